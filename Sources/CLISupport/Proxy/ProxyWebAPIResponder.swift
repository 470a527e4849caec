import NIOCore
import NIOHTTP1
import ProxyService

/// Serves ``ProxyWebAPI`` (`/webapi/ping`, `/v1/webapi/find`) over HTTP/1 on the Proxy
/// Service's web port, with the diagnostics server's request limits.
struct ProxyWebAPIResponder: HTTPResponder {
    let api: ProxyWebAPI

    func respond(method: HTTPMethod, uri: String) async -> DiagnosticsEndpoints.Response {
        guard method == .GET || method == .HEAD else {
            return .json(.methodNotAllowed, ["status": "error", "reason": "only GET and HEAD are served"])
        }
        let answer = api.respond(path: uri)
        return DiagnosticsEndpoints.Response(status: HTTPResponseStatus(statusCode: answer.status),
                                             contentType: "application/json", body: answer.body)
    }

    /// Adds the HTTP/1 codec, an idle timeout and the request handler to a web API connection.
    static func pipeline(_ api: ProxyWebAPI, limits: DiagnosticsServer.Limits = DiagnosticsServer.Limits())
        -> @Sendable (any Channel) throws -> Void {
        let responder = ProxyWebAPIResponder(api: api)
        return { channel in
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
            try pipeline.addHandler(IdleStateHandler(readTimeout: limits.idleTimeout))
            try pipeline.addHandler(DiagnosticsRequestHandler(endpoints: responder, limits: limits))
        }
    }
}
