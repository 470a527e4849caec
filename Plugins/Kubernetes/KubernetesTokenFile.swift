import Foundation
import JoinCore
import OIDCKit

/// Where a pod's service-account token is read, at each join: `join_params.kubernetes.token_path`
/// (tbot: `onboarding.kubernetes.token_path`), else `KUBERNETES_TOKEN_PATH` (Teleport's
/// variable), else the projected volume `/var/run/secrets/tokens/join-sa-token` when it is
/// mounted, else the pod's default token `/var/run/secrets/kubernetes.io/serviceaccount/token`
/// (enough for `in_cluster`).
struct KubernetesTokenFile: IDTokenSource {
    static let pathVariable = "KUBERNETES_TOKEN_PATH"
    static let projectedPath = "/var/run/secrets/tokens/join-sa-token"
    static let defaultPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"
    static let fields: [String: ProverSettings.Kind] = ["token_path": .text]

    let configured: String?
    let environment: [String: String]
    /// Where `token_path` is written, for messages (`onboarding.kubernetes.token_path`).
    let setting: String

    init(context: ProverContext) throws {
        configured = try ProverSettings(context, key: "kubernetes", fields: Self.fields).text("token_path")
        environment = context.environment
        setting = (context.joinParamsPath + ["kubernetes", "token_path"]).joined(separator: ".")
    }

    func idToken() async throws -> String {
        let chosen = configured ?? environment[Self.pathVariable].flatMap { $0.isEmpty ? nil : $0 }
        let path: String
        if let chosen {
            path = chosen
        } else if FileManager.default.fileExists(atPath: Self.projectedPath) {
            path = Self.projectedPath
        } else if FileManager.default.fileExists(atPath: Self.defaultPath) {
            path = Self.defaultPath
        } else {
            throw JoinError.badParameter("no Kubernetes service account token: neither the projected volume \(Self.projectedPath) nor the pod's \(Self.defaultPath) exists. Mount a projected serviceAccountToken volume named join-sa-token at /var/run/secrets/tokens (audience: the cluster name, expirationSeconds: 600), or set \(Self.pathVariable)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw JoinError.badParameter("no Kubernetes service account token at \(path) (\(configured != nil ? setting : Self.pathVariable)): is the projected volume mounted there?")
        }
        return try await FileTokenSource(path: path).idToken()
    }
}
