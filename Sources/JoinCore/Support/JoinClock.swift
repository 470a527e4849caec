import Foundation

/// Where the join code reads the time. Production uses ``SystemClock``; tests freeze it at the
/// moment a real signed document was made.
public protocol JoinClock: Sendable {
    var now: Date { get }
}

/// The wall clock.
public struct SystemClock: JoinClock {
    public init() {}
    public var now: Date { Date() }
}
