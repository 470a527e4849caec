import Foundation
import XCTest

/// A small IMDSv2 on a port of 127.0.0.1 for tests: `PUT /latest/api/token` issues a
/// token, and GETs must carry it (`X-aws-ec2-metadata-token`) or get 401, as on EC2. It serves
/// `/latest/dynamic/instance-identity/rsa2048` from a file the test writes, so the test can
/// change the document while the server runs.
public final class FakeIMDSServer: @unchecked Sendable {
    public let directory: URL
    public let documentFile: URL
    private let server: PythonHTTPServer

    public init(rsa2048Document: Data) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        documentFile = directory.appendingPathComponent("rsa2048")
        try rsa2048Document.write(to: documentFile)
        do {
            server = try await PythonHTTPServer(name: "imds", script: FakeIMDSServer.script, arguments: [documentFile.path],
                                                directory: directory)
        } catch let failure as TestFailure {
            throw XCTSkip("fake IMDS did not start: \(failure)")
        }
    }

    public var port: Int { server.port }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public func serve(_ document: Data) throws { try document.write(to: documentFile) }

    public func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private static let script = #"""
    import secrets, sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    document = sys.argv[1]
    tokens = set()
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args): pass
        def reply(self, code, body=b""):
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def do_PUT(self):
            if self.path != "/latest/api/token" or "X-aws-ec2-metadata-token-ttl-seconds" not in self.headers:
                return self.reply(400)
            token = secrets.token_hex(16)
            tokens.add(token)
            self.reply(200, token.encode())
        def do_GET(self):
            if self.headers.get("X-aws-ec2-metadata-token") not in tokens:
                return self.reply(401)
            if self.path == "/latest/dynamic/instance-identity/rsa2048":
                with open(document, "rb") as f:
                    return self.reply(200, f.read())
            self.reply(404)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("serving", server.server_address[1], flush=True)
    server.serve_forever()
    """#
}
