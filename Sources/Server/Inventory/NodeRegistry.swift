import Foundation
import JoinCore

/// A joined process as its heartbeats describe it (Teleport's `node` resource).
public struct NodeRecord: Sendable, Codable, Equatable {
    public var hostID: String
    public var hostname: String
    public var address: String
    public var version: String
    public var labels: [String: String]
    public var roles: [String]
    public var lastSeen: Date

    public init(hostID: String, hostname: String, address: String, version: String, labels: [String: String],
                roles: [String], lastSeen: Date) {
        self.hostID = hostID
        self.hostname = hostname
        self.address = address
        self.version = version
        self.labels = labels
        self.roles = roles
        self.lastSeen = lastSeen
    }

    enum CodingKeys: String, CodingKey {
        case hostID = "host_id", hostname, address = "addr", version, labels, roles, lastSeen = "last_seen"
    }
}

/// Live nodes, kept under `/nodes/<hostID>` and expiring unless heartbeats keep them alive,
/// so `tctl nodes ls` shows what is running now and a dead node drops out by itself. It is
/// also the ``HostPresence`` methods consult.
public struct NodeRegistry: HostPresence {
    /// How long a node stays listed after its last heartbeat (Teleport: about 10 minutes).
    public static let defaultTTL: TimeInterval = 600
    static let prefix = "/nodes/"

    let backend: any Backend
    let clock: any JoinClock
    let ttl: TimeInterval

    public init(backend: any Backend, clock: any JoinClock, ttl: TimeInterval = NodeRegistry.defaultTTL) {
        self.backend = backend
        self.clock = clock
        self.ttl = ttl
    }

    /// Records a heartbeat from the authenticated `hostID`. Client strings must be printable
    /// and within bounds (``HeartbeatFields``); otherwise nothing is stored.
    public func heartbeat(hostID: String, hostname: String, address: String, version: String,
                          labels: [String: String], roles: [String]) async throws -> NodeRecord {
        try HeartbeatFields.validate(hostname: hostname, address: address, version: version, labels: labels)
        func bounded(_ text: String) -> String { String(text.prefix(256)) }
        let now = clock.now
        let record = NodeRecord(
            hostID: hostID, hostname: hostname, address: address, version: version, labels: labels,
            roles: roles.prefix(32).map(bounded), lastSeen: now)
        _ = try await backend.put(NodeRegistry.prefix + hostID, value: try JSONEncoder().encode(record),
                                  expires: now.addingTimeInterval(ttl))
        return record
    }

    /// Every node whose heartbeat has not expired, sorted by hostname.
    public func list() async throws -> [NodeRecord] {
        try await backend.range(prefix: NodeRegistry.prefix)
            .compactMap { try? JSONDecoder().decode(NodeRecord.self, from: $0.value) }
            .sorted { ($0.hostname, $0.hostID) < ($1.hostname, $1.hostID) }
    }

    /// How many nodes are live, without decoding them (the `joinery_connected_nodes` gauge).
    public func liveCount() async throws -> Int {
        try await backend.range(prefix: NodeRegistry.prefix).count
    }

    /// The live node with this host ID, if any.
    public func node(hostID: String) async throws -> NodeRecord? {
        guard let item = try await backend.get(NodeRegistry.prefix + hostID) else { return nil }
        return try? JSONDecoder().decode(NodeRecord.self, from: item.value)
    }

    public func isLive(hostID: String, role: SystemRole?) async throws -> Bool {
        guard let node = try await node(hostID: hostID) else { return false }
        guard let role else { return true }
        return node.roles.contains(role.rawValue)
    }
}
