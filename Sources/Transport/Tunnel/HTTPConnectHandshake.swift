import JoinCore
import NIOCore

/// Asks an HTTP proxy for a tunnel with `CONNECT host:port` (RFC 9110 §9.3.6) on a channel
/// already connected to the proxy, and reports the answer through ``result``.
///
/// The handler sits first in the pipeline until the caller has set up what follows (outer
/// TLS, the glue), then the caller removes it. Whatever the proxy sent after its response head
/// is the start of the tunnelled stream, so it is kept and passed on when the handler leaves
/// the pipeline, never dropped. The response head is bounded in size and time: a proxy that
/// talks forever or never answers fails the handshake instead of holding the connection.
///
/// Messages name the proxy by its ``OutboundProxy/description``, which never carries the
/// credentials; the `Proxy-Authorization` header only ever goes on the wire.
final class HTTPConnectHandshake: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The largest response head accepted from the proxy.
    static let maximumResponseHeadBytes = 16 * 1024

    private enum State {
        case awaitingResponse
        case established
        case failed
    }

    private let proxy: OutboundProxy
    private let authority: String
    private let deadline: NIODeadline
    private var state = State.awaitingResponse
    private var requestSent = false
    private var promise: EventLoopPromise<Void>?
    private var timeout: Scheduled<Void>?
    /// The response head while it arrives; once established, the tunnelled bytes not yet passed on.
    private var received = ByteBuffer()
    /// Whether the proxy ended its side after answering, before this handler left the pipeline.
    private var inputClosedAfterResponse = false

    /// - Parameters:
    ///   - host, port: the destination the proxy should connect to.
    ///   - deadline: when to give up waiting for the proxy's answer.
    init(proxy: OutboundProxy, host: String, port: Int, deadline: NIODeadline) {
        self.proxy = proxy
        self.authority = Self.authority(host: host, port: port)
        self.deadline = deadline
    }

    /// Succeeds when the proxy answered 2xx; fails with a ``JoinError`` otherwise. Valid once
    /// the handler is in a pipeline.
    var result: EventLoopFuture<Void> {
        guard let promise else { preconditionFailure("HTTPConnectHandshake.result read before the handler was added") }
        return promise.futureResult
    }

    /// `host:port`, with an IPv6 address in brackets.
    static func authority(host: String, port: Int) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The request line and headers, as sent.
    static func request(authority: String, proxyAuthorization: String?) -> String {
        var request = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let proxyAuthorization {
            request += "Proxy-Authorization: \(proxyAuthorization)\r\n"
        }
        return request + "\r\n"
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        promise = context.eventLoop.makePromise(of: Void.self)
        timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.fail(JoinError.unavailable("the HTTP proxy \(self.proxy) did not answer CONNECT to \(self.authority) in time"),
                      context: context)
        }
        if context.channel.isActive { sendRequest(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        // The channel went away before an answer: the caller must still hear about it.
        promise?.fail(JoinError.unavailable("the connection to the HTTP proxy \(proxy) closed before it answered CONNECT to \(authority)"))
        promise = nil
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        if state == .established {
            if received.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(received))
                context.fireChannelReadComplete()
                received = ByteBuffer()
            }
            if inputClosedAfterResponse {
                context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            }
        }
        context.leavePipeline(removalToken: removalToken)
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard !requestSent else { return }
        requestSent = true
        let request = Self.request(authority: authority, proxyAuthorization: proxy.proxyAuthorization)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch state {
        case .awaitingResponse:
            received.writeBuffer(&bytes)
            readResponseHead(context: context)
        case .established:
            received.writeBuffer(&bytes)
        case .failed:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state == .awaitingResponse {
            fail(JoinError.unavailable("the HTTP proxy \(proxy) closed the connection before answering CONNECT to \(authority)"),
                 context: context)
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            switch state {
            case .awaitingResponse:
                fail(JoinError.unavailable("the HTTP proxy \(proxy) closed the connection before answering CONNECT to \(authority)"),
                     context: context)
            case .established:
                inputClosedAfterResponse = true
            case .failed:
                break
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard state == .awaitingResponse else {
            context.fireErrorCaught(error)
            return
        }
        let over = proxy.scheme == .https ? "TLS connection" : "connection"
        fail(JoinError.unavailable("the \(over) to the HTTP proxy \(proxy) failed before it answered CONNECT to \(authority): \(error)"),
             context: context)
    }

    // MARK: The response

    private func readResponseHead(context: ChannelHandlerContext) {
        guard let headLength = Self.headLength(in: received) else {
            if received.readableBytes > Self.maximumResponseHeadBytes {
                fail(JoinError.unavailable(
                    "the HTTP proxy \(proxy) sent a response head larger than \(Self.maximumResponseHeadBytes / 1024) KiB to CONNECT to \(authority)"),
                     context: context)
            }
            return
        }
        guard headLength <= Self.maximumResponseHeadBytes else {
            fail(JoinError.unavailable(
                "the HTTP proxy \(proxy) sent a response head larger than \(Self.maximumResponseHeadBytes / 1024) KiB to CONNECT to \(authority)"),
                 context: context)
            return
        }
        let head = received.readBytes(length: headLength) ?? []
        // Bytes, not Characters: "\r\n" is a single Character in Swift.
        let statusLine = String(decoding: head.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]), (100...599).contains(code) else {
            fail(JoinError.unavailable(
                "the HTTP proxy \(proxy) sent a malformed answer to CONNECT to \(authority): \(Self.printable(statusLine))"),
                 context: context)
            return
        }
        guard (200..<300).contains(code) else {
            let reason = parts.count > 2 ? " " + Self.printable(String(parts[2])) : ""
            fail(JoinError.unavailable("the HTTP proxy \(proxy) refused CONNECT to \(authority): \(code)\(reason)\(advice(for: code))"),
                 context: context)
            return
        }
        state = .established
        timeout?.cancel()
        received.discardReadBytes()
        let promise = self.promise
        self.promise = nil
        promise?.succeed()
    }

    /// What to do about a refusal the proxy explains by credentials. Some proxies (tinyproxy)
    /// answer wrong credentials with 401 rather than 407.
    private func advice(for code: Int) -> String {
        guard code == 407 || code == 401 else { return "" }
        return proxy.username == nil
            ? "; the proxy requires credentials: name them in the proxy URL (http://user:password@host:port)"
            : "; check the user name and password in the proxy URL"
    }

    private func fail(_ error: JoinError, context: ChannelHandlerContext) {
        guard state == .awaitingResponse else { return }
        state = .failed
        timeout?.cancel()
        received = ByteBuffer()
        let promise = self.promise
        self.promise = nil
        promise?.fail(error)
        context.close(promise: nil)
    }

    /// The length of the response head including its blank line, once it has all arrived.
    static func headLength(in buffer: ByteBuffer) -> Int? {
        let view = buffer.readableBytesView
        var matched = 0
        var offset = 0
        for byte in view {
            offset += 1
            switch (matched, byte) {
            case (0, 13), (2, 13): matched += 1
            case (1, 10), (3, 10): matched += 1
            case (_, 13): matched = 1
            default: matched = 0
            }
            if matched == 4 { return offset }
        }
        return nil
    }

    /// A reason phrase fit for a message: printable ASCII, at most 120 characters.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init))
        return cleaned.count > 120 ? String(cleaned.prefix(120)) + "…" : cleaned
    }
}

@available(*, unavailable)
extension HTTPConnectHandshake: Sendable {}
