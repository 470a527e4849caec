import AsyncHTTPClient
import Foundation
import JoinCore
import NIOCore
import OutboundHTTP
import TestSupport
import XCTest

/// A peer that sends its headers and then stalls (an issuer, a `jwks_uri` host, an AWS
/// endpoint): the exchange ends at its deadline, not when the peer lets go.
final class StalledAnswerTests: XCTestCase {
    private static let stallingServer = """
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b'{"keys": [')
                self.wfile.flush()
                time.sleep(30)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print("serving", server.server_address[1], flush=True)
        server.serve_forever()
        """

    func testABodyThatStallsEndsAtTheDeadline() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stall-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try await PythonHTTPServer(name: "stall", script: Self.stallingServer, directory: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let exchange = BoundedHTTPExchange(httpClient: HTTPClient.shared, timeout: .seconds(1), maximumBytes: 64 * 1024)
        let started = Date()
        let error = await expectedRefusal {
            _ = try await exchange.send(HTTPClientRequest(url: server.url.absoluteString + "/.well-known/jwks"), peer: "the test issuer")
        }
        let elapsed = Date().timeIntervalSince(started)
        await server.stop()
        XCTAssertEqual(error?.kind, .unavailable)
        XCTAssertTrue(error?.message.contains("did not finish its answer within 1.0 s") == true, error?.message ?? "")
        XCTAssertLessThan(elapsed, 5, "the deadline covers the body")
    }
}
