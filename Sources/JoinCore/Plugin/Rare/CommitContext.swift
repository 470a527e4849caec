import Foundation

/// What the core knows when it commits a join, handed to ``TokenPatch/apply`` and to
/// ``Attestation/methodResult``.
public struct CommitContext: Sendable {
    /// The bot instance this join issues certificates for (bot joins only; already chosen by
    /// the core). External methods are told `nil`: their result is built before the commit.
    public var botInstanceID: String?
    public var now: Date

    public init(botInstanceID: String?, now: Date) {
        self.botInstanceID = botInstanceID
        self.now = now
    }
}
