import JoinCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The operations view of a `teleport` process (`--diag-addr`, `teleport.diag_addr`): plain
/// HTTP/1 on one address, serving `/healthz`, `/readyz` and Prometheus `/metrics`
/// (``DiagnosticsEndpoints``; `docs/operations.md` for operators).
///
/// Written directly on swift-nio's HTTP/1 codec rather than on a web framework: three
/// read-only endpoints need a request decoder, a size check and a response, and a small
/// pipeline (codec → idle timeout → ``DiagnosticsRequestHandler``) keeps every limit visible.
/// It is unauthenticated and unencrypted, like Teleport's, so bind it to loopback or a
/// management network; nothing it serves is secret.
public struct DiagnosticsServer: Sendable {
    /// How much a client may send and how long it may stay silent.
    public struct Limits: Sendable {
        public var maximumURIBytes: Int
        public var maximumHeaderBytes: Int
        /// GET and HEAD carry no body; a little is tolerated, more is refused with 413.
        public var maximumBodyBytes: Int
        public var idleTimeout: TimeAmount

        public init(maximumURIBytes: Int = 2048, maximumHeaderBytes: Int = 8192, maximumBodyBytes: Int = 1024,
                    idleTimeout: TimeAmount = .seconds(10)) {
            self.maximumURIBytes = maximumURIBytes
            self.maximumHeaderBytes = maximumHeaderBytes
            self.maximumBodyBytes = maximumBodyBytes
            self.idleTimeout = idleTimeout
        }
    }

    public let address: DiagnosticsAddress
    let endpoints: DiagnosticsEndpoints
    let limits: Limits
    let logger: Logger

    public init(address: DiagnosticsAddress, endpoints: DiagnosticsEndpoints, limits: Limits = Limits(), logger: Logger) {
        self.address = address
        self.endpoints = endpoints
        self.limits = limits
        self.logger = logger
    }

    /// Binds, reports the bound `host:port` to `onListening`, and serves until the task is
    /// cancelled, then stops listening.
    ///
    /// - Throws: `JoinError.unavailable` when the address cannot be bound (in use, not local).
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let endpoints = self.endpoints
        let limits = self.limits
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
                        try pipeline.addHandler(IdleStateHandler(readTimeout: limits.idleTimeout))
                        try pipeline.addHandler(DiagnosticsRequestHandler(endpoints: endpoints, limits: limits))
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
        } catch {
            throw JoinError.unavailable("the diagnostics endpoint could not listen on \(address): \(error)")
        }
        let bound = channel.localAddress.flatMap { local in local.port.map { DiagnosticsAddress(host: local.ipAddress ?? address.host, port: $0) } }
            ?? address
        logger.info("diagnostics endpoint is listening", metadata: ["addr": "\(bound)"])
        onListening(bound.description)
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    /// Runs `service` with this endpoint beside it. The endpoint is bound first, so an address
    /// in use fails start-up before the service does anything, and it stops when the service
    /// ends (or the task is cancelled).
    public func serving(_ service: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (listening, announce) = AsyncStream<String>.makeStream()
            group.addTask {
                defer { announce.finish() }
                try await run(onListening: { announce.yield($0) })
            }
            var bound = listening.makeAsyncIterator()
            guard await bound.next() != nil else {
                try await group.next()
                throw JoinError.unavailable("the diagnostics endpoint stopped before it listened on \(address)")
            }
            group.addTask { try await service() }
            try await group.next()
            group.cancelAll()
        }
    }
}
