/// A bot identity the caller proved by presenting a current bot certificate from this
/// cluster's user CA on the join connection (an authenticated re-join, spec §8.5 "incoming").
public struct BotCaller: Sendable, Equatable {
    public var botName: String
    public var instanceID: String
    /// The certificate generation the caller presented (spec §8.7).
    public var generation: UInt64

    public init(botName: String, instanceID: String, generation: UInt64) {
        self.botName = botName
        self.instanceID = instanceID
        self.generation = generation
    }
}

/// Which bot instance a successful bot join continues (spec §8.7).
public enum BotInstanceChoice: Sendable, Equatable {
    /// The core's default: continue the caller's instance when it presented one (a generation
    /// mismatch only logs a warning), else start a new instance.
    case automatic
    /// Start a new instance with generation 1, remembering the one it replaces.
    case new(previousInstanceID: String?)
    /// Continue the caller's instance. A presented generation that differs from the stored one
    /// locks `lockOnMismatch` and fails the join.
    case continueCaller(lockOnMismatch: LockTarget)
}
