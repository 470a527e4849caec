import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Logging

/// Announces a joined process to the Auth server at a fixed interval over mTLS, so that
/// `tctl nodes ls` lists it within seconds of start and drops it a while after it stops.
/// Failures are logged and retried on the next beat; the loop ends when its task is cancelled.
public struct Heartbeater: Sendable {
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
    let authServer: AuthAddress
    let announcement: Announcement
    let interval: Duration
    let logger: Logger

    public init(identity: Identity, authServer: AuthAddress, announcement: Announcement, interval: Duration, logger: Logger) {
        self.identity = identity
        self.authServer = authServer
        self.announcement = announcement
        self.interval = interval
        self.logger = logger
    }

    /// Sends one heartbeat; returns the server's TTL in seconds.
    public func beatOnce<Transport: ClientTransport>(_ client: GRPCClient<Transport>) async throws -> Int64 {
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

    /// Heartbeats until cancelled.
    public func run() async throws {
        let transport = try AuthTransports.authenticated(
            authServer, certificatePEM: identity.tlsCertificate, keyPEM: identity.tlsPrivateKey,
            trustedCAsPEM: identity.tlsCACertificates)
        try await withGRPCClient(transport: transport) { client in
            var announced = false
            while !Task.isCancelled {
                do {
                    _ = try await beatOnce(client)
                    if !announced {
                        logger.info("heartbeating to the Auth server", metadata: ["auth_server": "\(authServer)", "host_id": "\(identity.hostID)"])
                        announced = true
                    }
                } catch {
                    logger.warning("heartbeat failed; will retry", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
