import NIOCore
import NIOHTTP1

/// Serves one HTTP/1 request per connection on the Proxy Service's web port: reads the head
/// and a bounded body, refuses what is too large or of another method at once, answers the
/// rest from its ``WebResponder``, then closes (no keep-alive or pipelining state).
final class WebRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// How large a request may be.
    struct Limits: Sendable {
        var maximumURIBytes = 2048
        var maximumHeaderBytes = 8192
        var maximumBodyBytes = 16 * 1024
        var idleTimeout: TimeAmount = .seconds(10)
    }

    private enum State {
        case awaitingHead
        case readingBody(HTTPRequestHead, [UInt8])
        case done
    }

    private let responder: any WebResponder
    private let limits: Limits
    private var state = State.awaitingHead

    init(responder: any WebResponder, limits: Limits) {
        self.responder = responder
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (state, unwrapInboundIn(data)) {
        case (.awaitingHead, .head(let head)):
            if let refusal = refusal(of: head) {
                state = .done
                write(refusal, to: head, context: context)
            } else {
                state = .readingBody(head, [])
            }
        case (.readingBody(let head, var body), .body(var chunk)):
            guard body.count + chunk.readableBytes <= limits.maximumBodyBytes else {
                state = .done
                write(.error(.payloadTooLarge, "request body over \(limits.maximumBodyBytes) bytes"), to: head, context: context)
                return
            }
            body += chunk.readBytes(length: chunk.readableBytes) ?? []
            state = .readingBody(head, body)
        case (.readingBody(let head, let body), .end):
            state = .done
            let responder = self.responder
            let request = WebRequest(method: head.method, uri: head.uri, headers: head.headers, body: body,
                                     clientAddress: Self.describe(context.channel.remoteAddress))
            context.eventLoop.makeFutureWithTask { await responder.respond(request) }
                .assumeIsolated()
                .whenSuccess { response in self.write(response, to: head, context: context) }
        default:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if case .done = state { return }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func refusal(of head: HTTPRequestHead) -> WebResponse? {
        if head.uri.utf8.count > limits.maximumURIBytes {
            return .error(.uriTooLong, "request target over \(limits.maximumURIBytes) bytes")
        }
        let headerBytes = head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        if headerBytes > limits.maximumHeaderBytes {
            return .error(.requestHeaderFieldsTooLarge, "request headers over \(limits.maximumHeaderBytes) bytes")
        }
        guard [.GET, .HEAD, .POST].contains(head.method) else {
            return .error(.methodNotAllowed, "only GET, HEAD and POST are served")
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > limits.maximumBodyBytes {
            return .error(.payloadTooLarge, "request body over \(limits.maximumBodyBytes) bytes")
        }
        return nil
    }

    private func write(_ response: WebResponse, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Strict-Transport-Security", value: "max-age=31536000")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if response.status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD, POST") }
        let version = request.version.major == 1 ? request.version : .http1_1
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)))
            .assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }

    /// `ip:port`, IPv6 in brackets.
    static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        let ip = address.ipAddress ?? "\(address)"
        let port = address.port ?? 0
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
