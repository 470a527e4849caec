import CLIKit
import CLISupport
import Foundation
import JoinCore
import Logging
import Server
import TestSupport
import XCTest

/// The operations view (`--diag-addr`): `/healthz`, `/readyz` and Prometheus `/metrics` on
/// plain HTTP, everything else refused, every request bounded.
final class DiagnosticsServerTests: XCTestCase {
    private var readiness: ServiceReadiness!
    private var port = 0
    private var serverTask: Task<Void, any Error>?
    private var http: RawHTTPExchange { RawHTTPExchange(port: port) }

    override func setUp() async throws {
        readiness = ServiceReadiness(notReadyBecause: "the Auth service is not listening yet")
        port = FreePort.next()
        let server = DiagnosticsServer(address: DiagnosticsAddress(host: "127.0.0.1", port: port),
                                       endpoints: DiagnosticsEndpoints(readiness: readiness), logger: Logger(label: "diag-test"))
        let (listening, announce) = AsyncStream<String>.makeStream()
        serverTask = Task {
            defer { announce.finish() }
            try await server.run(onListening: { announce.yield($0) })
        }
        var iterator = listening.makeAsyncIterator()
        let bound = await iterator.next()
        XCTAssertEqual(bound, "127.0.0.1:\(port)")
    }

    override func tearDown() async throws {
        serverTask?.cancel()
        _ = try? await serverTask?.value
    }

    func testHealthzAnswersOKWhileTheProcessRuns() async throws {
        let response = try await http.get("/healthz")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "application/json")
        XCTAssertEqual(response.body, "{\"status\":\"ok\"}\n")
    }

    func testReadyzIsUnavailableWithAReasonUntilTheServiceIsReady() async throws {
        var response = try await http.get("/readyz")
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(response.body, "{\"reason\":\"the Auth service is not listening yet\",\"status\":\"not_ready\"}\n")
        readiness.markReady()
        response = try await http.get("/readyz")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, "{\"status\":\"ok\"}\n")
        readiness.markNotReady("the last heartbeat to the Auth server failed")
        response = try await http.get("/readyz")
        XCTAssertEqual(response.status, 503)
        XCTAssertTrue(response.body.contains("the last heartbeat to the Auth server failed"), response.body)
    }

    func testReadyzIsUnavailableWhenTheBackendIsUnavailable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-diag-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let backend = try SQLiteBackend(path: directory.appendingPathComponent("backend.sqlite"), clock: SystemClock())
        readiness.add(BackendReachability(backend: backend))
        readiness.markReady()
        var response = try await http.get("/readyz")
        XCTAssertEqual(response.status, 200, "an open backend answers")
        try await backend.close()
        response = try await http.get("/readyz")
        XCTAssertEqual(response.status, 503)
        XCTAssertTrue(response.body.contains("the backend is unavailable"), response.body)
    }

    func testOtherPathsAreNotFound() async throws {
        for path in ["/", "/healthz/extra", "/debug/pprof", "/metrics.json"] {
            let response = try await http.get(path)
            XCTAssertEqual(response.status, 404, path)
        }
        let withQuery = try await http.get("/healthz?verbose=1")
        XCTAssertEqual(withQuery.status, 200, "a query string does not change the path")
    }

    func testMethodsOtherThanGetAndHeadAreRefused() async throws {
        let post = try await http.get("/healthz", method: "POST", extraHeaders: "Content-Length: 0\r\n")
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(post.headers["allow"], "GET, HEAD")
        let delete = try await http.get("/metrics", method: "DELETE")
        XCTAssertEqual(delete.status, 405)
    }

    func testHeadAnswersLikeGetWithoutABody() async throws {
        let response = try await http.get("/healthz", method: "HEAD")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-length"], "16")
        XCTAssertEqual(response.body, "")
    }

    func testOversizedHeadersAreRefused() async throws {
        let response = try await http.get("/healthz", extraHeaders: "X-Padding: \(String(repeating: "a", count: 16 * 1024))\r\n")
        XCTAssertEqual(response.status, 431)
    }

    func testOversizedRequestTargetIsRefused() async throws {
        let response = try await http.get("/healthz?" + String(repeating: "q", count: 4096))
        XCTAssertEqual(response.status, 414)
    }

    func testADeclaredBodyOverTheLimitIsRefusedBeforeItIsRead() async throws {
        let response = try await http.get("/healthz", extraHeaders: "Content-Length: 1048576\r\n")
        XCTAssertEqual(response.status, 413)
    }

    func testTheServerStopsListeningWhenItsTaskIsCancelled() async throws {
        XCTAssertTrue(FreePort.isListening(port))
        serverTask?.cancel()
        _ = try? await serverTask?.value
        XCTAssertFalse(FreePort.isListening(port), "the port must be closed once the server has stopped")
    }

    /// Real joins through an in-process Auth server's pipeline, counted in `/metrics`.
    ///
    /// swift-metrics can be bootstrapped once per process, and every suite shares the test
    /// process, so this uses ``ProcessMetrics/registry`` (the one bootstrap, the same as the
    /// `teleport` executable's) and compares counts before and after its own joins.
    func testMetricsCountJoinAttemptsByMethodAndOutcome() async throws {
        _ = ProcessMetrics.registry
        let cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: BuiltInJoinMethods.plugins.filter { $0.name == "token" }))
        do {
            try await cluster.addToken("diag-metrics-token-0123456789abcdef", roles: [.node])
            let before = try await scrape()
            for name in ["diag-node-1", "diag-node-2"] {
                try await cluster.server.joinPipeline.run(
                    InMemoryJoinStream([InMemoryJoinStream.clientInit(token: "diag-metrics-token-0123456789abcdef", method: "token", nodeName: name)]),
                    remoteAddress: "127.0.0.1:5000")
            }
            let refusals = [
                InMemoryJoinStream.clientInit(token: "diag-metrics-token-0123456789abcdef", role: .proxy, method: "token"),
                InMemoryJoinStream.clientInit(token: "no-such-token-0123456789abcdef", method: "made-up-method"),
            ]
            for request in refusals {
                do {
                    try await cluster.server.joinPipeline.run(InMemoryJoinStream([request]), remoteAddress: "127.0.0.1:5000")
                    XCTFail("the join should have been refused")
                } catch {}
            }
            let after = try await scrape()
            func delta(_ series: String) -> Double { sample(series, in: after) - sample(series, in: before) }
            XCTAssertEqual(delta(#"joinery_join_attempts_total{method="token",outcome="success"}"#), 2, after)
            XCTAssertEqual(delta(#"joinery_join_attempts_total{method="token",outcome="failure"}"#), 1, after)
            XCTAssertEqual(delta(#"joinery_join_attempts_total{method="unknown",outcome="failure"}"#), 1,
                           "a method the client made up is never a label value")
            XCTAssertFalse(after.contains("made-up-method"))
            XCTAssertEqual(delta(#"joinery_join_duration_seconds_count{method="token"}"#), 3, after)
            XCTAssertGreaterThan(delta(#"joinery_backend_operation_duration_seconds_count{operation="get"}"#), 0, after)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func scrape() async throws -> String {
        let response = try await http.get("/metrics")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        return response.body
    }

    /// The value of one series in a Prometheus exposition; 0 when it has not been recorded yet.
    private func sample(_ series: String, in exposition: String) -> Double {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? .nan
        }
        return 0
    }
}
