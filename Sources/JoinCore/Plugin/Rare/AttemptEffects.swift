import Synchronization

/// Security reactions a method asks for during an attempt, which the core applies when the
/// attempt ends, whether it succeeded or not: locks to create (a cloned keypair) and extra
/// audit events (recoveries, rotations). Methods never write to the backend themselves.
/// Used by bound_keypair.
public final class AttemptEffects: Sendable {
    /// A lock the method wants created (read by the core only).
    package struct LockRequest: Sendable, Equatable {
        package var target: LockTarget
        package var message: String
    }

    /// An audit event of the method's own, written next to the join event.
    public struct Event: Sendable, Equatable {
        /// A dotted event name, e.g. `bound_keypair.recovery`.
        public var type: String
        /// An event code, e.g. `TBK001I`.
        public var code: String
        /// True when what the event reports succeeded.
        public var success: Bool
        /// Verified, non-secret facts.
        public var fields: [String: String]
        /// Why it failed, when it did.
        public var failure: String?

        public init(type: String, code: String, success: Bool, fields: [String: String] = [:], failure: String? = nil) {
            self.type = type
            self.code = code
            self.success = success
            self.fields = fields
            self.failure = failure
        }
    }

    private let state = Mutex<(locks: [LockRequest], events: [Event])>(([], []))

    public init() {}

    public func lock(_ target: LockTarget, message: String) {
        state.withLock { $0.locks.append(LockRequest(target: target, message: message)) }
    }

    public func emit(_ event: Event) {
        state.withLock { $0.events.append(event) }
    }

    /// What the method asked for, in order (read by the core, and by tests in this package).
    package var locks: [LockRequest] { state.withLock { $0.locks } }
    package var events: [Event] { state.withLock { $0.events } }
}
