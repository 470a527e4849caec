import Foundation
import JoinCore
import OIDCKit

/// The `kubernetes` join method (Teleport's): a pod proves which service account it runs as
/// with that account's token. `in_cluster` asks the API server of the cluster the Auth server
/// runs in (TokenReview); `static_jwks` and `oidc` verify a projected token minted for the
/// cluster's name, with keys given in the token or published by the cluster's issuer (EKS,
/// GKE, AKS publish one). Rules name service accounts exactly (`namespace:name`).
public enum KubernetesProfile: OIDCJoinProfile {
    public static let methodName = "kubernetes"
    public static let sectionKey = "kubernetes"
    /// Projected tokens live at most 30 minutes (checked in ``inspect(_:section:)``).
    public static let timePolicy = TokenTimePolicy.standard

    public static var missingSection: String { "\"kubernetes\" configuration must be provided for the join method \"kubernetes\"" }
    public static var noMatchingRule: String { "kubernetes token did not match any allow rules" }

    public static func section(_ value: JSONValue) throws -> KubernetesSection {
        try KubernetesSection(value)
    }

    public static func issuer(of section: KubernetesSection, context: IssuerContext) throws -> IssuerChoice {
        switch section.type {
        case .staticJWKS:
            // The keys are the trust: a cluster's tokens name an issuer the token does not know.
            return IssuerChoice(issuer: "static_jwks", staticJWKS: section.staticJWKS, audience: context.clusterName, checksIssuer: false)
        case .oidc:
            return IssuerChoice(issuer: section.oidcIssuer ?? "", audience: context.clusterName, allowsHTTP: section.allowsHTTPIssuer)
        case .inCluster:
            let host = context.environment["KUBERNETES_SERVICE_HOST"] ?? "", port = context.environment["KUBERNETES_SERVICE_PORT"] ?? ""
            return IssuerChoice(issuer: "in_cluster TokenReview at \(host):\(port)", audience: context.clusterName)
        }
    }

    /// `in_cluster`: the API server's TokenReview decides, as Teleport asks it: authenticated,
    /// a service account's user in `system:serviceaccounts`, and bound to a pod on clusters
    /// that issue bound tokens.
    public static func verify(_ token: String, section: KubernetesSection, context: IssuerContext) async throws -> VerifiedClaims? {
        guard section.type == .inCluster else { return nil }
        guard token.utf8.count <= UnverifiedIDToken.maximumBytes else {
            throw JoinError.badParameter("the service account token is \(token.utf8.count) bytes; the most accepted is \(UnverifiedIDToken.maximumBytes)")
        }
        let client = try TokenReviewClient(environment: context.environment)
        let status = try await client.review(token, clusterName: context.clusterName)
        guard status["authenticated"] == .bool(true) else {
            throw JoinError.accessDenied("kubernetes failed to validate token: \(UntrustedString.quoted(status["error"]?.stringValue ?? "not authenticated", limit: 200))")
        }
        let user = status["user"]
        let username = user?["username"]?.stringValue ?? ""
        _ = try KubernetesClaims.serviceAccount(of: username)
        let groups: [String]
        if case .array(let values)? = user?["groups"] { groups = values.compactMap(\.stringValue) } else { groups = [] }
        guard groups.contains("system:serviceaccounts") else {
            throw JoinError.accessDenied("token user \(UntrustedString.quoted(username)) does not belong to the \"system:serviceaccounts\" group")
        }
        var pod: String?
        if case .array(let names)? = user?["extra"]?["authentication.kubernetes.io/pod-name"], names.count == 1 {
            pod = names[0].stringValue
        }
        if pod == nil {
            let (bound, version) = try await client.supportsBoundTokens()
            if bound {
                throw JoinError.accessDenied("legacy SA tokens are not accepted as kubernetes version \(version) supports bound tokens")
            }
        }
        let claims = VerifiedClaims(issuer: client.apiServer.absoluteString, all: ["sub": .string(username), "groups": .array(groups.map(JSONValue.string))])
        return try KubernetesClaims.withFacts(claims, pod: pod)
    }

    public static func inspect(_ claims: VerifiedClaims, section: KubernetesSection) throws -> VerifiedClaims {
        switch section.type {
        case .inCluster: return claims
        case .staticJWKS, .oidc: return try KubernetesClaims.checkProjected(claims, type: section.type.rawValue)
        }
    }
}
