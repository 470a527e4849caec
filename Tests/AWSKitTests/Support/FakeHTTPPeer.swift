import Foundation
import TestSupport

/// A small HTTP server (a ``PythonHTTPServer`` from TestSupport) on 127.0.0.1
/// that plays an IMDSv2 service requiring session tokens, and a broken AWS endpoint for the
/// error paths (malformed XML, oversized bodies, non-XML error pages, an echoing error).
///
/// It counts the requests it refused for lack of a token, so tests can show the refusal
/// happens and that the client sends the token.
final class FakeHTTPPeer: @unchecked Sendable {
    static let roleName = "joinery-test-role"
    static let rsa2048Document = "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwGggCSABIIB"
    static let roleAccessKeyID = "ASIAIMDSTESTROLEKEY1"
    static let roleSecret = "imds-role-secret-value-0123456789"
    static let roleToken = "imds-role-session-token-abcdef"

    private let directory: URL
    private let server: PythonHTTPServer
    var url: URL { server.url }

    /// Starts the peer in a temporary directory of its own, removed by ``stop()``.
    init() async throws {
        directory = try TestPaths.temporaryDirectory("fake-peer")
        do {
            server = try await PythonHTTPServer(name: "fake_peer", script: Self.script, directory: directory, seconds: 15)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    static let script = """
    import http.server, json, threading

    state = {"token": "imds-session-token-1", "refused_without_token": 0, "token_requests": 0}
    lock = threading.Lock()
    ROUTES = {
        "/latest/meta-data/instance-id": "i-0123456789abcdef0",
        "/latest/dynamic/instance-identity/rsa2048": "\(rsa2048Document)\\n",
        "/latest/meta-data/iam/security-credentials/": "\(roleName)",
        "/latest/meta-data/iam/security-credentials/\(roleName)": json.dumps({
            "Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "\(roleAccessKeyID)",
            "SecretAccessKey": "\(roleSecret)", "Token": "\(roleToken)",
            "Expiration": "2030-01-01T00:00:00Z", "LastUpdated": "2029-12-31T18:00:00Z"}),
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, content_type="text/plain"):
            data = body if isinstance(body, bytes) else body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_PUT(self):
            if self.path != "/latest/api/token":
                return self.reply(404, "")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
            if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self.reply(400, "missing or invalid X-aws-ec2-metadata-token-ttl-seconds")
            with lock:
                state["token_requests"] += 1
                return self.reply(200, state["token"])

        def do_GET(self):
            if self.path == "/test/stats":
                with lock:
                    return self.reply(200, json.dumps(state), "application/json")
            if self.path == "/test/rotate-token":
                with lock:
                    state["token"] = state["token"] + "-rotated"
                return self.reply(200, "rotated")
            with lock:
                if self.headers.get("X-aws-ec2-metadata-token") != state["token"]:
                    state["refused_without_token"] += 1
                    return self.reply(401, "")
            if self.path == "/latest/meta-data/huge":
                return self.reply(200, "x" * 200000)
            if self.path in ROUTES:
                return self.reply(200, ROUTES[self.path])
            return self.reply(404, "")

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/malformed-xml":
                return self.reply(200, "<DescribeInstancesResponse><reservationSet><item></reservationSet>", "text/xml")
            if self.path == "/oversized-declared":
                return self.reply(200, "<a>" + "x" * (2 * 1024 * 1024) + "</a>", "text/xml")
            if self.path == "/oversized-streamed":
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" * 65536
                try:
                    for _ in range(40):
                        self.wfile.write(b"%x\\r\\n" % len(chunk) + chunk + b"\\r\\n")
                    self.wfile.write(b"0\\r\\n\\r\\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            if self.path == "/plain-error":
                return self.reply(503, "upstream connect error or disconnect/reset before headers")
            if self.path == "/echo-error":
                authorization = self.headers.get("Authorization", "")
                token = self.headers.get("X-Amz-Security-Token", "")
                message = "Signature expired: " + authorization + " token " + token
                body = ("<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>"
                        + message + "</Message></Error><RequestId>req-1</RequestId></ErrorResponse>")
                return self.reply(403, body, "text/xml")
            return self.reply(404, "")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("serving", server.server_address[1], flush=True)
    server.serve_forever()
    """
}
