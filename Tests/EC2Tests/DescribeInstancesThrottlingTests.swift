import AWSKit
import EC2Join
import Foundation
import JoinCore
import TestSupport
import XCTest

/// How a batch fares when AWS refuses it: throttling (`RequestLimitExceeded`, HTTP 503) is
/// retried with backoff, from a small local EC2 stand-in that throttles a set number of times;
/// any other error (moto's `AuthFailure`) fails every waiting lookup at once, unretried.
final class DescribeInstancesThrottlingTests: XCTestCase {
    /// Answers `DescribeInstances` with an EC2 error `argv[2]` (HTTP `argv[3]`) for the first
    /// `argv[1]` requests (all of them if negative), then lists every instance it was asked
    /// about as running. Prints `request <n>` for each request it gets.
    static let script = #"""
    import sys, urllib.parse
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    failures, code, status = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    count = 0

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            global count
            count += 1
            print("request", count, flush=True)
            form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            if failures < 0 or count <= failures:
                body = ("<?xml version='1.0' encoding='UTF-8'?><Response><Errors><Error><Code>%s</Code>"
                        "<Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-%d</RequestID></Response>") % (code, count)
                self.answer(status, body)
                return
            ids = [v[0] for k, v in sorted(form.items()) if k.startswith("Filter.1.Value.")]
            items = "".join("<item><instanceId>%s</instanceId><instanceState><code>16</code><name>running</name></instanceState></item>" % i for i in ids)
            body = ("<?xml version='1.0' encoding='UTF-8'?><DescribeInstancesResponse xmlns='http://ec2.amazonaws.com/doc/2016-11-15/'>"
                    "<requestId>r-%d</requestId><reservationSet><item><reservationId>r-1</reservationId><ownerId>123456789012</ownerId>"
                    "<instancesSet>%s</instancesSet></item></reservationSet></DescribeInstancesResponse>") % (count, items)
            self.answer(200, body)

        def answer(self, status, body):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/xml;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("serving", server.server_address[1], flush=True)
    server.serve_forever()
    """#

    /// Retries quickly so the tests take milliseconds, not seconds.
    static let fastRetries = DescribeInstancesBatchPolicy(
        window: .seconds(1), maximumAttempts: 4, backoff: JitteredBackoff(initial: .milliseconds(20), maximum: .milliseconds(100)))

    static let ids = (1...20).map { String(format: "i-%017x", $0) }

    private func startEC2StandIn(failures: Int, code: String = "RequestLimitExceeded", status: Int = 503) async throws -> PythonHTTPServer {
        let server = try await PythonHTTPServer(name: "ec2-throttling", script: Self.script,
                                                arguments: [String(failures), code, String(status)], directory: try temporaryDirectory())
        addTeardownBlock { await server.stop() }
        return server
    }

    private func environment(_ endpoint: URL) -> [String: String] {
        ["AWS_ENDPOINT_URL": endpoint.absoluteString, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
         "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"]
    }

    private func requestsSeen(by server: PythonHTTPServer) -> Int {
        server.output.split(separator: "\n").filter { $0.hasPrefix("request ") }.count
    }

    func testThrottledBatchSucceedsOnTheThirdCall() async throws {
        let server = try await startEC2StandIn(failures: 2)
        let directory = try AWSInstanceDirectory(environment: environment(server.url), batching: Self.fastRetries)
        let ids = Self.ids

        let states = await concurrently(ids.count) { try await directory.state(ofInstance: ids[$0], region: "us-east-1", assumingRole: nil) }

        for (id, state) in zip(ids, states) {
            XCTAssertEqual(try state.get(), "running", "instance \(id)")
        }
        let counters = directory.batcher.counters
        XCTAssertEqual(counters.calls, 3, "two throttled calls and the one that succeeded: \(counters)")
        XCTAssertEqual(counters.throttled, 2)
        XCTAssertEqual(counters.batches, 1)
        XCTAssertEqual(counters.failedBatches, 0)
        XCTAssertEqual(requestsSeen(by: server), 3, server.output)
    }

    func testPersistentThrottlingFailsEveryLookupAfterTheLastAttempt() async throws {
        let server = try await startEC2StandIn(failures: -1, code: "Throttling", status: 400)
        let directory = try AWSInstanceDirectory(environment: environment(server.url), batching: Self.fastRetries)
        let ids = Array(Self.ids.prefix(5))

        let states = await concurrently(ids.count) { try await directory.state(ofInstance: ids[$0], region: "us-east-1", assumingRole: nil) }

        for state in states {
            XCTAssertThrowsError(try state.get()) { error in
                XCTAssertEqual((error as? AWSServiceError)?.code, "Throttling", "\(error)")
            }
        }
        XCTAssertEqual(directory.batcher.counters.calls, 4, "maximumAttempts bounds the tries")
        XCTAssertEqual(directory.batcher.counters.throttled, 4)
        XCTAssertEqual(requestsSeen(by: server), 4, server.output)
    }

    func testAuthFailureFailsEveryWaitingLookupWithoutRetrying() async throws {
        // moto checks every signature from the first request on, and knows no keys.
        let moto = try await MotoServer(checkSignaturesAfter: 0)
        addTeardownBlock { await moto.stop() }
        let directory = try AWSInstanceDirectory(environment: moto.awsEnvironment(), batching: Self.fastRetries)
        let ids = Array(Self.ids.prefix(10))

        let states = await concurrently(ids.count) { try await directory.state(ofInstance: ids[$0], region: "us-east-1", assumingRole: nil) }

        for (id, state) in zip(ids, states) {
            XCTAssertThrowsError(try state.get(), "instance \(id)") { error in
                let serviceError = error as? AWSServiceError
                XCTAssertEqual(serviceError?.code, "AuthFailure", "\(error)")
                XCTAssertEqual(serviceError?.action, "DescribeInstances")
            }
        }
        let counters = directory.batcher.counters
        XCTAssertEqual(counters.calls, 1, "a refusal is not retried: \(counters)")
        XCTAssertEqual(counters.throttled, 0)
        XCTAssertEqual(counters.failedBatches, 1)
    }

    func testThrottlingErrorsAreRecognisedAndRefusalsAreNot() {
        func error(_ code: String, _ status: Int) -> AWSServiceError {
            AWSServiceError(service: "EC2", action: "DescribeInstances", code: code, message: "", status: status)
        }
        XCTAssertTrue(error("RequestLimitExceeded", 503).isThrottling)
        XCTAssertTrue(error("Throttling", 400).isThrottling)
        XCTAssertTrue(error("Unavailable", 503).isThrottling, "AWS answers 503 when it sheds load")
        XCTAssertFalse(error("AuthFailure", 401).isThrottling)
        XCTAssertFalse(error("UnauthorizedOperation", 403).isThrottling)
        XCTAssertFalse(error("InternalError", 500).isThrottling)
    }
}
