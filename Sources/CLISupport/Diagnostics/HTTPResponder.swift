import NIOHTTP1

/// Answers a read-only HTTP request from its method and target alone; served by
/// ``DiagnosticsRequestHandler``, which enforces the size limits and moves the bytes.
public protocol HTTPResponder: Sendable {
    func respond(method: HTTPMethod, uri: String) async -> DiagnosticsEndpoints.Response
}

extension DiagnosticsEndpoints: HTTPResponder {}
