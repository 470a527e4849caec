import Foundation
import NIOHTTP1

/// What the diagnostics server answers, as a function of the request line alone: the three
/// endpoints, 404 for any other path and 405 for any method but GET and HEAD.
///
/// Kept apart from the NIO handler so the answers can be read (and tested) without a
/// socket; the handler only enforces size limits and moves bytes.
public struct DiagnosticsEndpoints: Sendable {
    /// One response: status, content type and body (omitted on the wire for HEAD).
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var contentType: String
        public var body: [UInt8]

        static func json(_ status: HTTPResponseStatus, _ fields: [String: String]) -> Response {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let body = (try? encoder.encode(fields)).map(Array.init) ?? Array(#"{"status":"error"}"#.utf8)
            return Response(status: status, contentType: "application/json", body: body + [UInt8(ascii: "\n")])
        }
    }

    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    let readiness: ServiceReadiness
    let metrics: @Sendable () -> [UInt8]

    /// - Parameter metrics: the Prometheus text exposition, e.g. ``ProcessMetrics/exposition()``.
    public init(readiness: ServiceReadiness, metrics: @escaping @Sendable () -> [UInt8] = ProcessMetrics.exposition) {
        self.readiness = readiness
        self.metrics = metrics
    }

    /// The answer to `method` on `uri` (its query string ignored); asks the readiness checks
    /// for `/readyz` and renders the registry for `/metrics`.
    public func respond(method: HTTPMethod, uri: String) async -> Response {
        guard method == .GET || method == .HEAD else {
            return .json(.methodNotAllowed, ["status": "error", "reason": "only GET and HEAD are served"])
        }
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        switch path {
        case "/healthz":
            return .json(.ok, ["status": "ok"])
        case "/readyz":
            switch await readiness.verdict() {
            case .ready: return .json(.ok, ["status": "ok"])
            case .notReady(let reason): return .json(.serviceUnavailable, ["status": "not_ready", "reason": reason])
            }
        case "/metrics":
            return Response(status: .ok, contentType: Self.prometheusContentType, body: metrics())
        default:
            return .json(.notFound, ["status": "error", "reason": "not found; the endpoints are /healthz, /readyz and /metrics"])
        }
    }
}
