import Foundation
import JoinCore
import NIOHTTP1
import OIDCKit

/// Asks the Kubernetes API server the Auth server runs under whether a service-account token
/// is valid (`POST /apis/authentication.k8s.io/v1/tokenreviews`), as `in_cluster` joins do.
///
/// The API server is found as every in-cluster client finds it: `KUBERNETES_SERVICE_HOST` and
/// `KUBERNETES_SERVICE_PORT`, the Auth server's own service-account token and the cluster's CA
/// in `/var/run/secrets/kubernetes.io/serviceaccount` (`JOINERY_KUBERNETES_SERVICE_ACCOUNT_DIR`
/// names another directory, for tests and unusual mounts). The Auth server's service account
/// needs the `system:auth-delegator` ClusterRole.
struct TokenReviewClient {
    static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"
    static let directoryVariable = "JOINERY_KUBERNETES_SERVICE_ACCOUNT_DIR"
    /// Bound tokens (with a pod) exist from this Kubernetes version; after it, legacy tokens are refused.
    static let boundTokenVersion = (major: 1, minor: 22)

    let apiServer: URL
    let ownToken: String
    let http: OIDCHTTPClient

    init(environment: [String: String]) throws {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw JoinError.unavailable("the kubernetes in_cluster join method needs the Auth server to run in the same Kubernetes cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set")
        }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        guard let url = URL(string: "https://\(bracketed):\(port)") else {
            throw JoinError.unavailable("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT do not make a URL")
        }
        let directory = environment[Self.directoryVariable].flatMap { $0.isEmpty ? nil : $0 } ?? Self.serviceAccountDirectory
        func read(_ name: String) throws -> String {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw JoinError.unavailable("the kubernetes in_cluster join method cannot read the Auth server's own service account \(name) at \(path): is the Auth server running in a pod with its service account mounted?")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        apiServer = url
        ownToken = try read("token")
        http = OIDCHTTPClient(environment: environment, trustedRootsPEM: try read("ca.crt"),
                              trustedRootsName: "the cluster's CA (\((directory as NSString).appendingPathComponent("ca.crt")))")
    }

    /// The review's status for `token`, with `clusterName` and the Auth server's own token's
    /// audiences as the audiences asked for (a joiner's token may be minted for either).
    func review(_ token: String, clusterName: String) async throws -> [String: JSONValue] {
        var audiences = [clusterName]
        for audience in Self.audiences(of: ownToken) where !audiences.contains(audience) { audiences.append(audience) }
        let request: JSONValue = .object([
            "apiVersion": .string("authentication.k8s.io/v1"), "kind": .string("TokenReview"),
            "spec": .object(["token": .string(token), "audiences": .array(audiences.map(JSONValue.string))]),
        ])
        let answer = try await call(.POST, "/apis/authentication.k8s.io/v1/tokenreviews", body: Array(try JSONEncoder().encode(request)))
        guard case .object(let status)? = answer["status"] else {
            throw JoinError.unavailable("the Kubernetes TokenReview answer has no status")
        }
        return status
    }

    /// Whether the cluster issues bound tokens (1.22 and later), from `GET /version`.
    func supportsBoundTokens() async throws -> (Bool, String) {
        let answer = try await call(.GET, "/version", body: nil)
        let version = answer["gitVersion"]?.stringValue ?? ""
        let numbers = version.drop { $0 == "v" }.split(separator: ".").prefix(2).compactMap { Int($0.prefix { $0.isNumber }) }
        guard numbers.count == 2 else { throw JoinError.unavailable("the Kubernetes API server's version \(UntrustedString.quoted(version)) cannot be read") }
        return ((numbers[0], numbers[1]) >= Self.boundTokenVersion, version)
    }

    private func call(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> JSONValue {
        guard let url = URL(string: apiServer.absoluteString + path) else { throw JoinError.internalError("bad API path \(path)") }
        let answer = try await http.send(method, url, headers: [("Authorization", "Bearer \(ownToken)"), ("Content-Type", "application/json")],
                                         body: body, peer: "the Kubernetes API server at \(apiServer.absoluteString)", maximumBytes: 256 * 1024)
        guard (200...201).contains(answer.status) else {
            throw JoinError.unavailable("the Kubernetes API server answered \(method.rawValue) \(path) with HTTP \(answer.status); the Auth server's service account needs the system:auth-delegator ClusterRole")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body)) else {
            throw JoinError.unavailable("the Kubernetes API server's answer to \(path) is not JSON")
        }
        return value
    }

    /// The `aud` of a JWT, read without verifying it (the Auth server's own token).
    static func audiences(of token: String) -> [String] {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let payload = Base64URL.decode(parts[1]),
              let claims = try? JSONDecoder().decode(JSONValue.self, from: payload) else { return [] }
        switch claims["aud"] {
        case .string(let one)?: return [one]
        case .array(let many)?: return many.compactMap(\.stringValue)
        default: return []
        }
    }
}
