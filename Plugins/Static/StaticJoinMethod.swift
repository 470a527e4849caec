import Foundation
import JoinCore

/// The `static` join method: tokens written into the Auth server's teleport.yaml
/// (`auth_service.tokens`). Knowing the value is the whole proof, so attestation has nothing
/// left to check once the pipeline has matched the token in constant time.
///
/// A client configured with `method: token` may use a static token, as in Teleport, where
/// static tokens are token-method tokens.
public struct StaticJoinMethod: JoinMethod {
    public static let methodName = "static"

    public let name = StaticJoinMethod.methodName
    public let tokenSource: (any TokenSource)?
    public var tokenNameIsSecret: Bool { true }

    /// Reads `auth_service.tokens` from the plugin context.
    public init(context: PluginContext) throws {
        let entries: [String]
        switch context.authService["tokens"] {
        case nil, .null?:
            entries = []
        case .array(let values)?:
            entries = try values.enumerated().map { index, value in
                guard case .string(let text) = value else {
                    throw StaticErrors.entryNotAString(index: index)
                }
                return text
            }
        default:
            throw StaticErrors.tokensNotAList
        }
        let specs = try entries.enumerated().map { index, entry in
            try StaticTokenSpec(parsing: entry, index: index) { path in
                try String(contentsOfFile: path, encoding: .utf8)
            }
        }
        for (index, spec) in specs.enumerated() where spec.values.isEmpty {
            context.logger.warning("static token file at auth_service.tokens[\(index)] is empty; it adds no tokens")
        }
        tokenSource = StaticTokenSource(specs: specs, methodName: StaticJoinMethod.methodName)
    }

    public func accepts(requestedMethod: String) -> Bool {
        requestedMethod == name || requestedMethod == "token"
    }

    public func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        throw StaticErrors.notAResource
    }

    public func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        attempt.facts.record("token_origin", "config-file")
        return Attestation()
    }
}
