import JoinCore
import OIDCKit

/// What a Kubernetes service-account token says about its holder, however it was verified
/// (a TokenReview's user, or the token's own claims), and the checks Teleport makes on it.
struct KubernetesClaims {
    /// The claims recorded for the audit, derived from the verified ones.
    static let audited = ["kubernetes_namespace", "kubernetes_service_account", "kubernetes_pod"]
    /// Projected tokens may live at most this long (Teleport's limit; Kubernetes' minimum is 10 min).
    static let maximumLifetime: Double = 30 * 60

    /// The namespace and name of `system:serviceaccount:<namespace>:<name>`.
    static func serviceAccount(of username: String) throws -> (namespace: String, name: String) {
        guard username.hasPrefix(KubernetesSection.serviceAccountPrefix) else {
            throw JoinError.accessDenied("token user is not a service account: \(UntrustedString.quoted(username))")
        }
        let parts = username.dropFirst(KubernetesSection.serviceAccountPrefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw JoinError.accessDenied("token user has malformed service account name: \(UntrustedString.quoted(username))")
        }
        return (String(parts[0]), String(parts[1]))
    }

    /// `claims` with the audited facts added: namespace, service account and pod.
    static func withFacts(_ claims: VerifiedClaims, pod: String?) throws -> VerifiedClaims {
        let account = try serviceAccount(of: claims.subject ?? "")
        var all = claims.all
        all["kubernetes_namespace"] = .string(account.namespace)
        all["kubernetes_service_account"] = .string("\(account.namespace):\(account.name)")
        if let pod { all["kubernetes_pod"] = .string(pod) }
        return VerifiedClaims(issuer: claims.issuer, all: all)
    }

    /// A token verified by keys (`static_jwks`, `oidc`) must be a projected token bound to a
    /// pod, living at most 30 minutes: a long-lived secret-based token is refused.
    static func checkProjected(_ claims: VerifiedClaims, type: String) throws -> VerifiedClaims {
        guard let pod = claims["kubernetes.io"]?["pod"]?["name"]?.stringValue, !pod.isEmpty else {
            throw JoinError.accessDenied("\(type) joining requires the use of projected pod bound service account token")
        }
        guard case .number(let expiry)? = claims["exp"], case .number(let issued)? = claims["iat"],
              expiry - issued <= maximumLifetime else {
            throw JoinError.accessDenied("\(type) joining requires the use of a service account token with a TTL of less than 30m0s")
        }
        return try withFacts(claims, pod: pod)
    }
}
