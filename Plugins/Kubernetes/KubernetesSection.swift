import Foundation
import JoinCore
import OIDCKit

/// A token's `spec.kubernetes` (Teleport's shape): how the joiner's service-account token is
/// checked (`type`: `in_cluster`, the default, asks this cluster's API server; `static_jwks`
/// verifies it with keys given here; `oidc` with the keys the cluster's issuer publishes), and
/// which service accounts may join (`allow[].service_account`, `namespace:name`, exact).
public struct KubernetesSection: OIDCTokenRules, Equatable {
    /// How the service-account token is verified.
    public enum ReviewType: String, Sendable, CaseIterable {
        case inCluster = "in_cluster"
        case staticJWKS = "static_jwks"
        case oidc
    }

    static let path = "spec.kubernetes"
    /// What a service account's user name starts with, as Kubernetes writes it.
    public static let serviceAccountPrefix = "system:serviceaccount:"

    public let type: ReviewType
    /// `namespace:name` of each allowed service account.
    public let serviceAccounts: [String]
    public let staticJWKS: String?
    public let oidcIssuer: String?
    public let allowsHTTPIssuer: Bool

    public init(_ value: JSONValue) throws {
        func failed(_ message: String) -> JoinError { .badParameter("\(Self.path): \(message)") }
        let fields = try Self.map(value, at: Self.path, keys: ["type", "allow", "static_jwks", "oidc"])
        let typeText = try Self.text(fields["type"], at: "\(Self.path).type") ?? ""
        guard let type = typeText.isEmpty ? .inCluster : ReviewType(rawValue: typeText) else {
            throw failed("type: must be one of (\(ReviewType.allCases.map(\.rawValue).joined(separator: ", "))), got \(UntrustedString.quoted(typeText)) instead")
        }
        self.type = type
        var accounts: [String] = []
        switch fields["allow"] {
        case nil, .null?: break
        case .array(let rules)?:
            for (index, rule) in rules.enumerated() {
                let at = "\(Self.path).allow[\(index)]"
                let rule = try Self.map(rule, at: at, keys: ["service_account"])
                guard let account = try Self.text(rule["service_account"], at: "\(at).service_account"), !account.isEmpty else {
                    throw failed("allow[\(index)].service_account: name of service account must be set")
                }
                let parts = account.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
                    throw failed("allow[\(index)].service_account: name of service account should be in format \"namespace:service_account\", got \(UntrustedString.quoted(account)) instead")
                }
                accounts.append(account)
            }
        default: throw JoinError.badParameter("\(Self.path).allow: expected a list")
        }
        guard !accounts.isEmpty else { throw failed("allow: at least one rule must be set") }
        serviceAccounts = accounts

        let jwksSection = try fields["static_jwks"].flatMap { $0 == .null ? nil : try Self.map($0, at: "\(Self.path).static_jwks", keys: ["jwks"]) }
        let oidcSection = try fields["oidc"].flatMap { $0 == .null ? nil : try Self.map($0, at: "\(Self.path).oidc", keys: ["issuer", "insecure_allow_http_issuer"]) }
        for (name, given) in [("static_jwks", jwksSection != nil), ("oidc", oidcSection != nil)] where given && name != type.rawValue {
            throw failed("\(name): must not be set when type is \"\(type.rawValue)\"")
        }
        staticJWKS = try Self.text(jwksSection?["jwks"], at: "\(Self.path).static_jwks.jwks")
        oidcIssuer = try Self.text(oidcSection?["issuer"], at: "\(Self.path).oidc.issuer")
        switch oidcSection?["insecure_allow_http_issuer"] {
        case nil, .null?: allowsHTTPIssuer = false
        case .bool(let flag)?: allowsHTTPIssuer = flag
        default: throw JoinError.badParameter("\(Self.path).oidc.insecure_allow_http_issuer: expected true or false")
        }
        switch type {
        case .inCluster:
            break
        case .staticJWKS:
            guard jwksSection != nil else { throw failed("static_jwks: must be set when type is \"static_jwks\"") }
            guard let jwks = staticJWKS else { throw failed("static_jwks.jwks: must be set when type is \"static_jwks\"") }
            do { _ = try KeySet(jwks: Array(jwks.utf8)) } catch let error as JoinError { throw failed("static_jwks.jwks: \(error.message)") }
        case .oidc:
            guard let issuer = oidcIssuer else { throw failed("oidc.issuer: must be set when type is \"oidc\"") }
            guard let url = URL(string: issuer), let scheme = url.scheme?.lowercased(), url.host?.isEmpty == false else {
                throw failed("oidc.issuer must be a valid URL")
            }
            guard scheme == "https" || (scheme == "http" && allowsHTTPIssuer) else {
                throw failed("oidc.issuer must be https:// unless insecure_allow_http_issuer is set")
            }
        }
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "type": .string(type.rawValue),
            "allow": .array(serviceAccounts.map { .object(["service_account": .string($0)]) }),
        ]
        if let staticJWKS { object["static_jwks"] = .object(["jwks": .string(staticJWKS)]) }
        if let oidcIssuer {
            var oidc: [String: JSONValue] = ["issuer": .string(oidcIssuer)]
            if allowsHTTPIssuer { oidc["insecure_allow_http_issuer"] = .bool(true) }
            object["oidc"] = .object(oidc)
        }
        return .object(object)
    }

    /// One rule per service account: the token's user (`sub`) is exactly
    /// `system:serviceaccount:<namespace>:<name>`.
    public var rules: [ClaimRule] {
        serviceAccounts.map { account in
            ClaimRule([ClaimCondition(field: "service_account", claim: "sub", match: .exact(Self.serviceAccountPrefix + account))])
        }
    }

    public var auditedClaims: [String] { KubernetesClaims.audited }

    static func map(_ value: JSONValue, at path: String, keys: Set<String>) throws -> [String: JSONValue] {
        guard case .object(let fields) = value else { throw JoinError.badParameter("\(path): expected a map") }
        for key in fields.keys.sorted() where !keys.contains(key) {
            throw JoinError.badParameter("unknown field \"\(path).\(key)\"")
        }
        return fields
    }

    static func text(_ value: JSONValue?, at path: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text.isEmpty ? nil : text
        default: throw JoinError.badParameter("\(path): expected a string")
        }
    }
}
