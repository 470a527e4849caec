import NIOCore
import NIOHTTP1

/// The HTTP/1 side of the Proxy Service's web port: the codec, an idle timeout, and one
/// request per connection answered by ``ProxyWebApp``.
enum ProxyWebPipeline {
    static func make(_ app: ProxyWebApp, limits: WebRequestHandler.Limits = WebRequestHandler.Limits())
        -> @Sendable (any Channel) throws -> Void {
        { channel in
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
            try pipeline.addHandler(IdleStateHandler(readTimeout: limits.idleTimeout))
            try pipeline.addHandler(WebRequestHandler(responder: app, limits: limits))
        }
    }
}
