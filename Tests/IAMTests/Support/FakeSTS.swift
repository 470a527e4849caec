import Foundation
import TestSupport

/// A local HTTP server standing in for STS (or for "anything the Auth server might dial"):
/// it prints `accepted` for every TCP connection, so a test can prove none was made, and
/// answers every request according to its mode.
final class FakeSTS: @unchecked Sendable {
    enum Mode: String {
        /// 500 with a short text body.
        case refuse
        /// 200 with an identity in JSON (`account`, `arn` arguments).
        case identityJSON
        /// 200 with a body of 10 MiB.
        case huge
        /// 403 with an AWS XML error document.
        case forbidden
    }

    let server: PythonHTTPServer
    let directory: URL

    init(_ mode: Mode, account: String = "123456789012", arn: String = "arn:aws:iam::123456789012:user/alice") async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fake-sts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = #"""
        import sys, json
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        mode, account, arn = sys.argv[1], sys.argv[2], sys.argv[3]
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def setup(self):
                print("accepted", flush=True)
                super().setup()
            def log_message(self, *args):
                pass
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                print("host", self.headers.get("Host"), flush=True)
                if mode == "identityJSON":
                    body = json.dumps({"GetCallerIdentityResponse": {"GetCallerIdentityResult": {"Account": account, "Arn": arn, "UserId": "AIDA"}}}).encode()
                    self.reply(200, body)
                elif mode == "huge":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/xml")
                    self.end_headers()
                    chunk = b"x" * 65536
                    try:
                        for _ in range(160):
                            self.wfile.write(chunk)
                    except Exception:
                        pass
                    self.close_connection = True
                elif mode == "forbidden":
                    body = b'<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>r-1</RequestId></ErrorResponse>'
                    self.reply(403, body)
                else:
                    self.reply(500, b"refused by the test listener")
            do_GET = do_POST
            def reply(self, status, body):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print("serving", server.server_address[1], flush=True)
        server.serve_forever()
        """#
        server = try await PythonHTTPServer(name: "fake-sts", script: script, arguments: [mode.rawValue, account, arn], directory: directory)
    }

    var url: URL { server.url }

    /// How many connections were accepted so far.
    var connections: Int { server.output.split(separator: "\n").filter { $0 == "accepted" }.count }

    /// The Host headers of the requests received.
    var hosts: [String] { server.output.split(separator: "\n").filter { $0.hasPrefix("host ") }.map { String($0.dropFirst(5)) } }

    /// Waits (at most 3 s) until `count` requests were logged; returns how many there are.
    @discardableResult
    func waitForRequests(_ count: Int) async -> Int {
        let deadline = Date().addingTimeInterval(3)
        while hosts.count < count, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return hosts.count
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
