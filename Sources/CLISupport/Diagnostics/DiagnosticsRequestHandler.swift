import NIOCore
import NIOHTTP1

/// Serves one request per connection: refuses what is too large or not GET/HEAD as soon as
/// the head arrives, answers the rest from its ``HTTPResponder`` (the diagnostics endpoints,
/// or the Proxy Service's web API), then closes.
///
/// One request per connection keeps the handler free of keep-alive and pipelining state; a
/// scraper that polls every few seconds loses nothing by reconnecting on loopback. The
/// response is written before the close (the close waits on the write), so a large
/// `/metrics` body is never cut short.
final class DiagnosticsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case awaitingHead
        case readingBody(HTTPRequestHead, receivedBytes: Int)
        /// Answered or answering: anything more the client sends is ignored until the close.
        case done
    }

    private let endpoints: any HTTPResponder
    private let limits: DiagnosticsServer.Limits
    private var state = State.awaitingHead

    init(endpoints: any HTTPResponder, limits: DiagnosticsServer.Limits) {
        self.endpoints = endpoints
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (state, unwrapInboundIn(data)) {
        case (.awaitingHead, .head(let head)):
            if let refusal = refusal(of: head) {
                state = .done
                write(refusal, to: head, context: context)
            } else {
                state = .readingBody(head, receivedBytes: 0)
            }
        case (.readingBody(let head, let received), .body(let chunk)):
            let total = received + chunk.readableBytes
            if total > limits.maximumBodyBytes {
                state = .done
                write(.json(.payloadTooLarge, ["status": "error", "reason": "request body over \(limits.maximumBodyBytes) bytes"]),
                      to: head, context: context)
            } else {
                state = .readingBody(head, receivedBytes: total)
            }
        case (.readingBody(let head, _), .end):
            state = .done
            let endpoints = self.endpoints
            let method = head.method, uri = head.uri
            context.eventLoop.makeFutureWithTask { await endpoints.respond(method: method, uri: uri) }
                .assumeIsolated()
                .whenSuccess { response in self.write(response, to: head, context: context) }
        default:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A client that sends nothing for a while is dropped; one waiting for its answer is not.
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

    /// The answer to a head that will not be served: too long, or a method other than GET/HEAD.
    private func refusal(of head: HTTPRequestHead) -> DiagnosticsEndpoints.Response? {
        if head.uri.utf8.count > limits.maximumURIBytes {
            return .json(.uriTooLong, ["status": "error", "reason": "request target over \(limits.maximumURIBytes) bytes"])
        }
        let headerBytes = head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        if headerBytes > limits.maximumHeaderBytes {
            return .json(.requestHeaderFieldsTooLarge, ["status": "error", "reason": "request headers over \(limits.maximumHeaderBytes) bytes"])
        }
        if head.method != .GET && head.method != .HEAD {
            return .json(.methodNotAllowed, ["status": "error", "reason": "only GET and HEAD are served"])
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > limits.maximumBodyBytes {
            return .json(.payloadTooLarge, ["status": "error", "reason": "request body over \(limits.maximumBodyBytes) bytes"])
        }
        return nil
    }

    private func write(_ response: DiagnosticsEndpoints.Response, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Connection", value: "close")
        if response.status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
        let version = request.version.major == 1 ? request.version : .http1_1
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)))
            .assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }
}
