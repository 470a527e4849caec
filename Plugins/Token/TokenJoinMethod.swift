import Foundation
import JoinCore

/// The `token` join method: tokens stored in the backend by `tctl tokens add` or
/// `tctl create`. The token's name is the secret; the pipeline's lookup already proved the
/// client knows it. Host tokens are multi-use until they expire; a token carrying the `Bot`
/// role is single use, consumed by a compare-and-swap before any certificate is issued, so of
/// many concurrent uses exactly one succeeds (spec §2.5).
public struct TokenJoinMethod: JoinMethod {
    public static let methodName = "token"

    public let name = TokenJoinMethod.methodName
    public var tokenNameIsSecret: Bool { true }

    public init() {}

    public func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        if !token.spec.allow.isEmpty {
            throw JoinError.badParameter("allow rules are not compatible with the token join method")
        }
        if token.spec.awsIIDTTL != nil {
            throw JoinError.badParameter("aws_iid_ttl is only used by the ec2 join method")
        }
        return token
    }

    public func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        // Bot tokens are single use; the bot's certificates are renewable instead (spec §2.5),
        // and a token join always starts a new bot instance.
        guard attempt.token.spec.roles.contains(.bot) else { return Attestation() }
        return Attestation(tokenChange: .consume, bot: .init(instance: .new(previousInstanceID: nil), renewable: true))
    }
}

/// The client half of the token method: the token name is the proof, so nothing more is sent.
public struct TokenJoinProver: JoinProver {
    public let name = TokenJoinMethod.methodName
    public init() {}

    /// A static token from `auth_service.tokens` is proved the same way — the secret is the
    /// name already sent — so a client configured for `token` may join one (the Auth server
    /// then names `static`). No other method is followed.
    public func accepts(serverMethod: String) -> Bool {
        serverMethod == name || serverMethod == "static"
    }
}

extension JoinMethodPlugin {
    /// The built-in `token` method.
    public static let storedTokens = JoinMethodPlugin(
        name: TokenJoinMethod.methodName,
        makeMethod: { _ in TokenJoinMethod() },
        makeProver: { _ in TokenJoinProver() }
    )
}
