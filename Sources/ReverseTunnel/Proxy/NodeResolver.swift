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
