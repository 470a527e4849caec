import Foundation
import NIOCore

/// Limits and clock for calls to AWS APIs.
public struct AWSRequestOptions: Sendable {
    /// The most one call may take, connection included.
    public var timeout: TimeAmount
    /// The largest response body read; a longer one fails the call.
    public var maximumResponseBytes: Int
    /// The signing time source (tests freeze it; the default is the system clock).
    public var now: @Sendable () -> Date

    public init(timeout: TimeAmount = .seconds(10), maximumResponseBytes: Int = 1 << 20,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.timeout = timeout
        self.maximumResponseBytes = maximumResponseBytes
        self.now = now
    }
}
