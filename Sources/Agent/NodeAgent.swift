import Foundation
import JoinCore
import Logging
import Transport

/// A joined process's life: reuse the identity in `data_dir` or join to get one, save it
/// whole, then heartbeat until stopped. A method whose proof lives in the machine (see
/// ``JoinCore/JoinProver/provesAgainAtStart``) is proved again at every start, presenting the
/// identity held.
public struct NodeAgent: Sendable {
    public let store: IdentityStore
    public let client: JoinClient
    public let parameters: JoinParameters
    public let labels: [String: String]
    public let advertiseAddress: String
    public let heartbeatInterval: Duration
    /// Told after every heartbeat (see ``Heartbeater/Observer``); does nothing by default.
    public var heartbeatObserver: Heartbeater.Observer = { _ in }
    let logger: Logger

    public init(store: IdentityStore, client: JoinClient, parameters: JoinParameters, labels: [String: String],
                advertiseAddress: String, heartbeatInterval: Duration, logger: Logger) {
        self.store = store
        self.client = client
        self.parameters = parameters
        self.labels = labels
        self.advertiseAddress = advertiseAddress
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
    }

    /// The stored identity, or a new one obtained by joining (and saved before returning).
    public func identity() async throws -> Identity {
        if let existing = try store.load() {
            try SavedIdentityRoles.check(
                existing, covers: parameters.systemRoles.isEmpty ? [parameters.role] : parameters.systemRoles,
                file: store.identityFile.path)
            if try client.provesAgainAtStart(parameters) {
                return try await proveAgain(holding: existing)
            }
            logger.info("using the identity in the data directory; not joining again",
                        metadata: ["host_id": "\(existing.hostID)", "data_dir": "\(store.dataDirectory.path)"])
            try store.export(existing)
            return existing
        }
        logger.info("joining the cluster", metadata: [
            parameters.dialer.addressLogKey: "\(parameters.authServer)", "method": "\(parameters.method)", "role": "\(parameters.role)",
        ])
        let parameters = self.parameters
        let client = self.client
        let failover = AuthFailover(addresses: parameters.allAuthServers, addressLogKey: parameters.dialer.addressLogKey, logger: logger)
        let identity = try await failover.run { address in
            var attempt = parameters
            attempt.authServer = address
            return try await client.join(attempt)
        }
        try store.save(identity)
        logger.info("joined the cluster", metadata: [
            "cluster": "\(identity.clusterName)", "host_id": "\(identity.hostID)", "data_dir": "\(store.dataDirectory.path)",
        ])
        return identity
    }

    /// Joins again presenting `existing`, and keeps the identity that join gives. A refusal
    /// ends the start (a lock, a join state that moved on elsewhere: this copy must not run);
    /// an Auth server that cannot be reached does not, and the identity held is used.
    private func proveAgain(holding existing: Identity) async throws -> Identity {
        logger.info("proving the join method again with the identity in the data directory", metadata: [
            "host_id": "\(existing.hostID)", "method": "\(parameters.method)", "data_dir": "\(store.dataDirectory.path)",
        ])
        let parameters = self.parameters
        let client = self.client
        let failover = AuthFailover(addresses: parameters.allAuthServers, addressLogKey: parameters.dialer.addressLogKey, logger: logger)
        let renewed: Identity
        do {
            renewed = try await failover.run { address in
                var attempt = parameters
                attempt.authServer = address
                return try await client.join(attempt, presenting: existing)
            }
        } catch let error as JoinError where error.kind == .unavailable {
            logger.warning("could not reach the Auth server to prove the join method again; using the identity held until the next start",
                           metadata: ["reason": "\(error.message)"])
            try store.export(existing)
            return existing
        }
        if renewed.hostID != existing.hostID {
            // The method's state already moved on with this join, so the new identity is kept.
            logger.warning("the Auth server gave this process another host ID", metadata: [
                "previous_host_id": "\(existing.hostID)", "host_id": "\(renewed.hostID)",
            ])
        }
        try store.save(renewed)
        logger.info("proved the join method again; renewed the identity",
                    metadata: ["host_id": "\(renewed.hostID)", "data_dir": "\(store.dataDirectory.path)"])
        return renewed
    }

    /// Joins if needed, then heartbeats until the task is cancelled.
    public func run() async throws {
        try await heartbeat(as: try await identity())
    }

    /// Heartbeats as `identity` (from ``identity()``) until the task is cancelled.
    public func heartbeat(as identity: Identity) async throws {
        var heartbeater = Heartbeater(
            identity: identity, authServers: parameters.allAuthServers,
            announcement: .init(hostname: identity.nodeName, address: advertiseAddress, labels: labels),
            interval: heartbeatInterval, logger: logger, observer: heartbeatObserver)
        heartbeater.dialer = parameters.dialer
        try await heartbeater.run()
    }
}
