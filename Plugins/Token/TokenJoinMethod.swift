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

    public func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        // Bot tokens are single use; the bot's certificates are renewable instead (spec §2.5),
        // and a token join always starts a new bot instance.
        guard attempt.token.spec.roles.contains(.bot) else { return Attestation() }
        return Attestation(tokenChange: .consume, bot: .init(instance: .new(previousInstanceID: nil), renewable: true))
    }
}
