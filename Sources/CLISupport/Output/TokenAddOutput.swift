import Foundation
import JoinCore

/// What `tctl tokens add` created, and what its output needs to tell the operator.
public struct TokenAddResult: Sendable, Equatable {
    /// The token's name — its secret for the `token` method, printed once, here.
    public var token: String
    public var roles: [SystemRole]
    public var expires: Date
    /// `--ttl`, for the "expires in N minutes" lines.
    public var ttl: TimeInterval
    /// The cluster's CA pins (``JoinCore/CAPin``), one `--ca-pin` line each.
    public var caPins: [String]
    /// The address joining nodes should use: the first Auth server's.
    public var authServer: String

    public init(token: String, roles: [SystemRole], expires: Date, ttl: TimeInterval, caPins: [String], authServer: String) {
        self.token = token
        self.roles = roles
        self.expires = expires
        self.ttl = ttl
        self.caPins = caPins
        self.authServer = authServer
    }
}

/// The output of `tctl tokens add` (spec §2.1), in the shape Teleport's guides show:
///
/// ```
/// The invite token: 0123…
/// This token will expire in 5 minutes.
///
/// Run this on the new node to join the cluster:
///
/// > teleport start \
///    --roles=node \
///    …
/// ```
public enum TokenAddOutput {
    public static func render(_ result: TokenAddResult, format: OutputFormat) throws -> String {
        switch format {
        case .human: return instructions(result)
        case .text: return result.token + "\n"
        case .json: return try ResourceText.json(summary(result))
        case .yaml: return try ResourceText.yaml(summary(result))
        }
    }

    /// The instruction block with the `teleport start` command to run on the new node.
    public static func instructions(_ result: TokenAddResult) -> String {
        let minutes = Int(result.ttl / 60)
        let roles = result.roles.map { $0.description.lowercased() }.joined(separator: ",")
        var lines = [
            "The invite token: \(result.token)",
            "This token will expire in \(minutes) minutes.",
            "",
            "Run this on the new node to join the cluster:",
            "",
            "> teleport start \\",
            "   --roles=\(roles) \\",
            "   --token=\(result.token) \\",
        ]
        lines += result.caPins.map { "   --ca-pin=\($0) \\" }
        lines += [
            "   --auth-server=\(result.authServer)",
            "",
            "Please note:",
            "",
            "  - This invitation token will expire in \(minutes) minutes",
            "  - \(result.authServer) must be reachable from the new node",
        ]
        return lines.map { $0 + "\n" }.joined()
    }

    /// `{token, roles, expires}` as `--format=json|yaml` print it.
    public struct Summary: Sendable, Equatable, Encodable {
        public var token: String
        public var roles: [String]
        public var expires: String
    }

    public static func summary(_ result: TokenAddResult) -> Summary {
        Summary(token: result.token, roles: result.roles.map(\.rawValue), expires: RFC3339.format(result.expires))
    }
}
