import AWSKit
import AsyncHTTPClient
import Foundation
import Metrics
import MetricsTestKit
import TestSupport
import XCTest

/// Every AWS request sent is counted by service and action, and answers asking the caller to
/// slow down are counted as throttles: the AWS API budget, visible in `/metrics`.
final class QueryClientMetricsTests: XCTestCase {
    private var directory: URL!
    private var peer: PythonHTTPServer!
    private var httpClient: HTTPClient!
    private let metrics = TestMetrics()

    /// Answers `/ok` with an empty DescribeInstances, `/throttled` with EC2's
    /// RequestLimitExceeded and `/denied` with UnauthorizedOperation.
    private static let script = """
    import http.server

    ANSWERS = {
        "/ok": (200, "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>"),
        "/throttled": (503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-1</RequestID></Response>"),
        "/denied": (403, "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>r-2</RequestID></Response>"),
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, body = ANSWERS.get(self.path, (404, "<Response/>"))
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("serving", server.server_address[1], flush=True)
    server.serve_forever()
    """

    override func setUp() async throws {
        directory = try TestPaths.temporaryDirectory("query-metrics")
        peer = try await PythonHTTPServer(name: "query_metrics_peer", script: Self.script, directory: directory, seconds: 15)
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    override func tearDown() async throws {
        try? await httpClient?.shutdown()
        await peer?.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func call(_ path: String, on peer: URL, with httpClient: HTTPClient) async -> Bool {
        let client = AWSQueryClient(httpClient: httpClient, service: .ec2, endpoint: peer.appendingPathComponent(path),
                                    region: "us-east-1",
                                    credentials: AWSCredentials(accessKeyID: "AKIDMETRICSTEST", secretAccessKey: "metrics-test-secret"))
        do {
            _ = try await client.call(action: "DescribeInstances", version: "2016-11-15")
            return true
        } catch {
            return false
        }
    }

    private func count(_ label: String) -> Int64 {
        metrics.counterTotal(label: label, dimensions: [("service", "ec2"), ("action", "DescribeInstances")])
    }

    func testEveryRequestIsCountedAndThrottlingAnswersAreCountedAsThrottles() async throws {
        let (url, httpClient) = (peer.url, self.httpClient!)
        let outcomes = await withMetricsFactory(metrics) {
            var outcomes: [Bool] = []
            for path in ["ok", "throttled", "denied", "throttled"] {
                outcomes.append(await Self.call(path, on: url, with: httpClient))
            }
            return outcomes
        }
        XCTAssertEqual(outcomes, [true, false, false, false])
        XCTAssertEqual(count(AWSAPIMetrics.calls), 4)
        XCTAssertEqual(count(AWSAPIMetrics.throttles), 2, "UnauthorizedOperation is a refusal, not a throttle")
    }
}
