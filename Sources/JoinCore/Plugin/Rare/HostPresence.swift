/// What a method may ask about processes already in the cluster: whether a host ID is live
/// (heartbeating) in a role. The EC2 method uses it to allow one joined process per instance.
public protocol HostPresence: Sendable {
    /// True when a process with `hostID` heartbeats with `role` now (any role when `role` is nil).
    func isLive(hostID: String, role: SystemRole?) async throws -> Bool
}

/// A presence that knows no hosts, for tests and tools that run a method alone.
public struct NoHostPresence: HostPresence {
    public init() {}
    public func isLive(hostID: String, role: SystemRole?) async throws -> Bool { false }
}
