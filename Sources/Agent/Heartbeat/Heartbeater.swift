import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Logging
import Transport

/// Announces a joined process to the Auth server at a fixed interval over mTLS, so that
/// `tctl nodes ls` lists it within seconds of start and drops it a while after it stops.
/// Failures are logged and retried on the next beat; the loop ends when its task is cancelled.
public struct Heartbeater: Sendable {
    /// Told after every heartbeat: `nil` when the Auth server accepted it, else why it failed.
    /// The process's readiness (`/readyz`) follows it.
    public typealias Observer = @Sendable (_ failure: (any Error)?) -> Void

    public struct Announcement: Sendable {
        public var hostname: String
        public var address: String
        public var labels: [String: String]
        public init(hostname: String, address: String, labels: [String: String]) {
            self.hostname = hostname
            self.address = address
            self.labels = labels
        }
    }

    let identity: Identity
    /// Where to heartbeat: the first that answers; another when it stops answering.
    let authServers: [AuthAddress]
    let announcement: Announcement
    let interval: Duration
    let logger: Logger
    let observer: Observer
    /// How the Auth servers are reached (directly, or through a Proxy Service).
    public var dialer: ClusterDialer = .direct

    public init(identity: Identity, authServers: [AuthAddress], announcement: Announcement, interval: Duration, logger: Logger,
                observer: @escaping Observer = { _ in }) {
        self.identity = identity
        self.authServers = authServers
        self.announcement = announcement
        self.interval = interval
        self.logger = logger
        self.observer = observer
    }

    /// Sends one heartbeat; returns the server's TTL in seconds.
    public func beatOnce<Transport: ClientTransport>(_ client: GRPCClient<Transport>, to authServer: AuthAddress) async throws -> Int64 {
        let service = Joinery_V1_InventoryService.Client(wrapping: client)
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        let request = Joinery_V1_HeartbeatRequest.with {
            $0.hostname = announcement.hostname
            $0.addr = announcement.address
            $0.version = JoinClient.version
            $0.labels = announcement.labels
            $0.roles = [identity.role]
        }
        return try await RPCErrorTranslation.translating(authServer) {
            try await service.heartbeat(request, options: options).ttlSeconds
        }
    }

    /// Heartbeats until cancelled, moving to the next Auth server (after a jittered backoff)
    /// whenever the current one cannot be reached.
    public func run() async throws {
        guard !authServers.isEmpty else { throw JoinError.badParameter("no Auth server to heartbeat to") }
        let backoff = JitteredBackoff(initial: .milliseconds(500), maximum: interval)
        var index = 0
        var failures = 0
        var announcedTo: AuthAddress?
        while !Task.isCancelled {
            let authServer = authServers[index % authServers.count]
            do {
                try await beat(to: authServer, announcedTo: &announcedTo, failures: &failures)
            } catch let error as JoinError where error.kind == .unavailable {
                // The tunnel to a Proxy Service could not be set up; retry like any outage.
                observer(error)
                logger.warning("heartbeat connection failed; will retry", metadata: ["auth_server": "\(authServer)", "error": "\(error)"])
            }
            index += 1
            failures += 1
            try? await Task.sleep(for: backoff.delay(afterFailures: failures))
        }
    }

    /// Heartbeats over one connection to `authServer` until it fails over (returns) or the
    /// task is cancelled.
    private func beat(to authServer: AuthAddress, announcedTo: inout AuthAddress?, failures: inout Int) async throws {
        try await dialer.withAuthenticatedTransport(
            authServer, certificatePEM: identity.tlsCertificate, keyPEM: identity.tlsPrivateKey,
            trustedCAsPEM: identity.tlsCACertificates
        ) { transport in
            try await withGRPCClient(transport: transport) { client in
                while !Task.isCancelled {
                    do {
                        _ = try await beatOnce(client, to: authServer)
                        observer(nil)
                        failures = 0
                        if announcedTo != authServer {
                            logger.info("heartbeating to the Auth server", metadata: ["auth_server": "\(authServer)", "host_id": "\(identity.hostID)"])
                            announcedTo = authServer
                        }
                    } catch let error as JoinError where error.kind == .unavailable && authServers.count > 1 {
                        observer(error)
                        logger.warning("heartbeat failed; moving to another Auth server", metadata: ["auth_server": "\(authServer)", "error": "\(error)"])
                        return
                    } catch {
                        observer(error)
                        logger.warning("heartbeat failed; will retry", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: interval)
                }
            }
        }
    }
}
