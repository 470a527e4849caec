import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
@testable import ReverseTunnel
import Synchronization

/// A connection to a route of the proxy opened by hand, to say what no honest agent or `tsh`
/// would: the lines it receives are collected, and what it sends is up to the test.
final class HandMadeConnection: @unchecked Sendable {
    let channel: any Channel
    let lines: AsyncStream<String>
    private let connector: ProxyRouteConnector

    private init(channel: any Channel, lines: AsyncStream<String>, connector: ProxyRouteConnector) {
        self.channel = channel
        self.lines = lines
        self.connector = connector
    }

    static func open(_ lab: ServerAccessLab, as identity: TestIdentity, route: String) async throws -> HandMadeConnection {
        let connector = try await ProxyRouteConnector.start(
            proxy: lab.proxy.address, route: route, dialer: lab.dialer, certificatePEM: identity.certificatePEM,
            privateKeyPEM: identity.privateKeyPEM, hostCACertificatesPEM: [lab.identities.hostCAPEM],
            connectTimeout: .seconds(3), logger: lab.logger)
        let channel = try await connector.connect()
        let (lines, continuation) = AsyncStream<String>.makeStream()
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maximumBytes: 1 << 20)))
            try channel.pipeline.syncOperations.addHandler(LineCollector(continuation))
            HeldInput.release(in: channel)
        }.get()
        return HandMadeConnection(channel: channel, lines: lines, connector: connector)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// The next line, or nil when the connection ended (or nothing came in 5 s).
    func nextLine() async -> String? {
        let lines = self.lines
        return await withTaskGroup(of: String?.self) { group in
            group.addTask { var iterator = lines.makeAsyncIterator(); return await iterator.next() }
            group.addTask { try? await Task.sleep(for: .seconds(5)); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Whether the proxy closed the connection within `limit`.
    func closedByPeer(within limit: Duration = .seconds(5)) async -> Bool {
        (try? await withTimeout(limit, "the close") { try await self.channel.closeFuture.get() }) != nil
    }

    func close() async {
        try? await channel.close()
        await connector.close()
    }
}

private final class LineCollector: ChannelInboundHandler {
    typealias InboundIn = String
    private let continuation: AsyncStream<String>.Continuation

    init(_ continuation: AsyncStream<String>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    /// The proxy closed: close too, as any client does, answering its close_notify.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            continuation.finish()
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A server at the proxy's address that gets the outer TLS right (a trusted web certificate,
/// the route's ALPN) and then answers the inner handshake with a certificate of its choosing:
/// a Node of the same cluster posing as the Proxy Service. Records every plaintext byte a
/// client sends inside, which must stay empty.
final class InnerImpostor: @unchecked Sendable {
    let port: Int
    private let listener: any Channel
    private let recorder: ReceivedBytes

    private init(listener: any Channel, recorder: ReceivedBytes) {
        self.listener = listener
        self.port = listener.localAddress!.port!
        self.recorder = recorder
    }

    var receivedBytes: Int { recorder.bytes.withLock { $0.count } }

    static func start(web: WebCertificate, inner: TestIdentity, alpn: String) async throws -> InnerImpostor {
        var outer = TLSConfiguration.makeServerConfiguration(
            certificateChain: try web.chainPEM.flatMap { try NIOSSLCertificate.fromPEMBytes(Array($0.utf8)) }.map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(web.keyPEM.utf8), format: .pem)))
        outer.applicationProtocols = [alpn]
        let innerConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(inner.certificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(inner.privateKeyPEM.utf8), format: .pem)))
        let outerContext = try NIOSSLContext(configuration: outer)
        let innerContext = try NIOSSLContext(configuration: innerConfiguration)
        let recorder = ReceivedBytes()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: outerContext))
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: innerContext))
                    try channel.pipeline.syncOperations.addHandler(RecordingHandler(recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return InnerImpostor(listener: listener, recorder: recorder)
    }

    func stop() async {
        try? await listener.close()
    }
}

private final class ReceivedBytes: Sendable {
    let bytes = Mutex<[UInt8]>([])
}

private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let recorder: ReceivedBytes

    init(_ recorder: ReceivedBytes) {
        self.recorder = recorder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        recorder.bytes.withLock { $0 += Array(bytes.readableBytesView) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
