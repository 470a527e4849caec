import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Logging
import Transport

/// Announces a joined process to the Auth server at a fixed interval over mTLS, so that
/// `tctl nodes ls` lists it within seconds of start and drops it a while after it stops.
/// Failures are logged as plain sentences and retried; the loop ends when its task is cancelled.
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
    /// How long a heartbeat may wait for its answer before the connection is given up.
    public var answerTimeout: Duration = .seconds(10)

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
        options.timeout = answerTimeout
        return try await RPCErrorTranslation.translating(authServer, throughProxy: dialer.isViaProxy) {
            try await service.heartbeat(request, options: options).ttlSeconds
        }
    }

    /// Heartbeats until cancelled. A failed connection (or a beat that finds the server gone)
    /// is logged as one plain sentence and retried after a jittered backoff, on the next Auth
    /// server when there are several; the first beat accepted after failures is logged as
    /// "heartbeat recovered", with how many failed and since when.
    public func run() async throws {
        guard !authServers.isEmpty else { throw JoinError.badParameter("no Auth server to heartbeat to") }
        let backoff = JitteredBackoff(initial: .milliseconds(500), maximum: interval)
        var index = 0
        let progress = HeartbeatProgress()
        while !Task.isCancelled {
            let authServer = authServers[index % authServers.count]
            do {
                try await beat(to: authServer, progress: progress)
            } catch {
                guard !Task.isCancelled else { return }
                observer(error)
                let (failures, lostConnection) = progress.failed()
                index += 1
                let delay = lostConnection ? Self.reconnectSpread(interval) : backoff.delay(afterFailures: failures)
                let next = authServers.count > 1 ? "trying \(authServers[index % authServers.count]) in" : "retrying in"
                logger.warning("heartbeat failed: \(Self.sentence(for: error)); \(next) \(GoDuration.spoken(delay))")
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// Heartbeats over one connection to `authServer` until the task is cancelled, on one
    /// long-lived `HeartbeatStream` (single `Heartbeat` calls to a server that has no stream);
    /// throws when the server cannot be reached, so that ``run()`` reconnects (the tunnel
    /// through a Proxy Service then says which hop failed). A refusal (a locked host, say) is
    /// retried here after an interval, on a new stream.
    private func beat(to authServer: AuthAddress, progress: HeartbeatProgress) async throws {
        try await dialer.withAuthenticatedTransport(
            authServer, certificatePEM: identity.tlsCertificate, keyPEM: identity.tlsPrivateKey,
            trustedCAsPEM: identity.tlsCACertificates
        ) { transport in
            try await withGRPCClient(transport: transport) { client in
                var streaming = true
                while !Task.isCancelled {
                    do {
                        if streaming {
                            try await beatOverStream(client, to: authServer, progress: progress)
                        } else {
                            _ = try await beatOnce(client, to: authServer)
                            accepted(by: authServer, progress: progress)
                            try? await Task.sleep(for: interval)
                        }
                    } catch let error as JoinError where error.kind == .notImplemented && streaming {
                        streaming = false
                    } catch let error as JoinError where error.kind == .unavailable {
                        throw error
                    } catch {
                        guard !Task.isCancelled else { return }
                        observer(error)
                        progress.failed()
                        logger.warning("heartbeat failed: \(Self.sentence(for: error, answered: true)); retrying in \(GoDuration.spoken(interval))")
                        try? await Task.sleep(for: interval)
                    }
                }
            }
        }
    }

    /// Heartbeats on one `HeartbeatStream` of `client` until cancelled: the request side sends
    /// a beat every interval, the response side takes the answers as they come, so a stream
    /// that breaks is noticed at once, not at the next beat. Throws the stream's failure, or
    /// `unavailable` when an answer is overdue (``HeartbeatAnswerWatch``) or the server closes
    /// the stream.
    private func beatOverStream<Transport: ClientTransport>(_ client: GRPCClient<Transport>, to authServer: AuthAddress,
                                                          progress: HeartbeatProgress) async throws {
        let service = Joinery_V1_InventoryService.Client(wrapping: client)
        let beat = request
        let interval = self.interval
        let watch = HeartbeatAnswerWatch(timeout: answerTimeout, idle: interval)
        let requests = StreamingClientRequest<Joinery_V1_HeartbeatRequest> { writer in
            while !Task.isCancelled {
                watch.sent()
                try await writer.write(beat)
                try await Task.sleep(for: interval)
            }
        }
        let throughProxy = dialer.isViaProxy
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await RPCErrorTranslation.translating(authServer, throughProxy: throughProxy) {
                    try await service.heartbeatStream(request: requests) { response in
                        for try await _ in response.messages {
                            watch.answered()
                            accepted(by: authServer, progress: progress)
                        }
                        if Task.isCancelled { return }
                        throw JoinError.unavailable("the Auth server at \(authServer) closed the heartbeat stream")
                    }
                }
            }
            group.addTask { try await watch.watch(address: "\(authServer)") }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// The wait before reconnecting when a working connection is lost: a random point within
    /// one interval. The node's next beat was due within that interval anyway, so it misses at
    /// most one; and when an Auth server restarts under a fleet, the nodes come back at the
    /// rate they heartbeat instead of all at once (10,000 nodes at 30 s: about 333 handshakes a
    /// second, not 10,000 in the first). Failures after that back off exponentially from 0.5 s.
    static func reconnectSpread(_ interval: Duration) -> Duration {
        interval * Double.random(in: 0..<1)
    }

    /// The heartbeat this process sends, every time.
    private var request: Joinery_V1_HeartbeatRequest {
        .with {
            $0.hostname = announcement.hostname
            $0.addr = announcement.address
            $0.version = JoinClient.version
            $0.labels = announcement.labels
            $0.roles = [identity.role]
        }
    }

    /// Tells the observer and logs what a beat accepted by `authServer` changed: the end of an
    /// outage, a new server.
    private func accepted(by authServer: AuthAddress, progress: HeartbeatProgress) {
        observer(nil)
        let key = dialer.addressLogKey
        let (ended, isNewServer) = progress.succeeded(with: authServer)
        if let ended {
            logger.info("heartbeat recovered", metadata: [
                key: "\(authServer)", "failed_heartbeats": "\(ended.failures)",
                "failing_since": "\(ended.since.map(RFC3339.format) ?? "")",
            ])
        }
        if isNewServer {
            logger.info("heartbeating to the Auth server", metadata: [key: "\(authServer)", "host_id": "\(identity.hostID)"])
        }
    }

    /// A failure as a person reads it: the sentence a ``JoinError`` already is (an outage
    /// names the address and the reason; a refused handshake, what was wrong with the server),
    /// or the plain reason under a transport error. `answered`: the Auth server received the
    /// heartbeat and refused it (a locked host, say), which the sentence then says.
    static func sentence(for error: any Error, answered: Bool = false) -> String {
        guard let error = error as? JoinError else { return ConnectionFailureReason(error).text }
        return answered && error.kind != .unavailable ? "the Auth server refused it: \(error.message)" : error.message
    }

}
