import JoinCore

/// Where the proxy finds the node an SSH request names: the seam between routing (here) and
/// the cluster's inventory and access rules (the Auth server's), so this module knows neither.
///
/// The Proxy Service is given one (``UnconfiguredNodeResolver`` until it is): typically it asks
/// the Auth server which heartbeated node `target` is — by name, host ID or `name.<cluster>` —
/// and whether `user` may reach it. A refusal is thrown as a `JoinError` whose message the user
/// reads as is.
public protocol NodeResolver: Sendable {
    /// - Parameters:
    ///   - target: the host part of the request's target (no port).
    ///   - user: the user named by the verified user certificate.
    func resolve(target: String, user: String) async throws -> ResolvedNode
}

/// A node an SSH request resolved to.
public struct ResolvedNode: Sendable, Equatable {
    /// The node's host ID: the key of its reverse tunnel, if it has one.
    public var hostID: String
    /// Where its SSH service listens, as it heartbeated; nil when it is reachable only through
    /// its tunnel.
    public var directAddress: (host: String, port: Int)?

    public init(hostID: String, directAddress: (host: String, port: Int)? = nil) {
        self.hostID = hostID
        self.directAddress = directAddress
    }

    public static func == (lhs: ResolvedNode, rhs: ResolvedNode) -> Bool {
        lhs.hostID == rhs.hostID && lhs.directAddress?.host == rhs.directAddress?.host && lhs.directAddress?.port == rhs.directAddress?.port
    }
}

/// The resolver of a Proxy Service that was not given one: refuses every request, saying why.
public struct UnconfiguredNodeResolver: NodeResolver {
    public init() {}

    public func resolve(target: String, user: String) async throws -> ResolvedNode {
        throw JoinError.notImplemented("this Proxy Service cannot route SSH connections: it has no way to look up nodes (no node resolver is configured)")
    }
}

/// A resolver from a fixed list, for tests and small static setups: `target` matches a host
/// ID or a name, with or without the `.<cluster>` suffix.
public struct StaticNodeResolver: NodeResolver {
    public struct Entry: Sendable {
        public var names: [String]
        public var node: ResolvedNode

        public init(names: [String], node: ResolvedNode) {
            self.names = names
            self.node = node
        }
    }

    public var entries: [Entry]
    public var clusterName: String

    public init(clusterName: String, entries: [Entry]) {
        self.clusterName = clusterName
        self.entries = entries
    }

    public func resolve(target: String, user: String) async throws -> ResolvedNode {
        let suffix = "." + clusterName
        let name = target.hasSuffix(suffix) ? String(target.dropLast(suffix.count)) : target
        guard let entry = entries.first(where: { $0.node.hostID == name || $0.names.contains(name) }) else {
            throw JoinError.notFound("no node named \"\(UntrustedString.sanitize(String(target.prefix(253))))\" in cluster \(clusterName)")
        }
        return entry.node
    }
}
