import Foundation
import JoinCore
import Metrics
import MetricsTestKit
import Server
import XCTest

/// Every backend operation is timed under its own name, and failures are counted by kind,
/// whatever backend sits underneath.
final class MeasuredBackendTests: XCTestCase {
    private var directory: URL!
    private var base: SQLiteBackend!
    private let metrics = TestMetrics()

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-measured-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        base = try SQLiteBackend(path: directory.appendingPathComponent("backend.sqlite"), clock: SystemClock())
    }

    override func tearDown() async throws {
        try? await base.close()
        try? FileManager.default.removeItem(at: directory)
    }

    private func timings(_ operation: String) -> Int {
        metrics.timers(label: MeasuredBackend.operationDuration, dimensions: [("operation", operation)]).reduce(0) { $0 + $1.values.count }
    }

    private func errors(_ operation: String, _ kind: String) -> Int64 {
        metrics.counterTotal(label: MeasuredBackend.errors, dimensions: [("operation", operation), ("kind", kind)])
    }

    func testEveryOperationIsTimedUnderItsName() async throws {
        try await withMetricsFactory(metrics) {
            let backend = MeasuredBackend(base)
            let created = try await backend.create("/things/a", value: Data("1".utf8), expires: nil)
            _ = try await backend.put("/things/b", value: Data("2".utf8), expires: nil)
            _ = try await backend.get("/things/a")
            _ = try await backend.compareAndSwap("/things/a", expectedRevision: created.revision, value: Data("3".utf8), expires: nil)
            _ = try await backend.range(prefix: "/things/")
            try await backend.delete("/things/b")
            _ = try await backend.deleteExpired()
            _ = try await backend.auditEvents(limit: 1)
        }
        for operation in ["create", "put", "get", "compare_and_swap", "range", "delete", "delete_expired", "audit_events"] {
            XCTAssertEqual(timings(operation), 1, operation)
        }
        let recorded = try XCTUnwrap(metrics.timers(label: MeasuredBackend.operationDuration, dimensions: [("operation", "get")]).first?.values.first)
        XCTAssertGreaterThan(recorded, 0, "a duration in nanoseconds")
        XCTAssertTrue(metrics.counters.isEmpty, "nothing failed")
    }

    func testFailuresAreTimedAndCountedByKind() async throws {
        try await withMetricsFactory(metrics) {
            let backend = MeasuredBackend(base)
            let item = try await backend.create("/things/a", value: Data("1".utf8), expires: nil)
            _ = try? await backend.create("/things/a", value: Data("1".utf8), expires: nil)
            _ = try? await backend.compareAndSwap("/things/a", expectedRevision: item.revision + 100, value: Data(), expires: nil)
            try? await backend.delete("/things/missing")
            try await backend.close()
            _ = try? await backend.get("/things/a")
        }
        XCTAssertEqual(errors("create", "already_exists"), 1)
        XCTAssertEqual(errors("compare_and_swap", "compare_failed"), 1)
        XCTAssertEqual(errors("delete", "not_found"), 1)
        XCTAssertEqual(errors("get", "unavailable"), 1)
        XCTAssertEqual(timings("create"), 2, "a failed call is timed too")
    }

    func testAMeasuredBackendIsNotMeasuredTwice() async throws {
        try await withMetricsFactory(metrics) {
            _ = try await MeasuredBackend(MeasuredBackend(base)).get("/things/a")
        }
        XCTAssertEqual(timings("get"), 1)
    }

    func testTheAuthServerMeasuresTheBackendItIsGiven() async throws {
        let server = try await withMetricsFactory(metrics) {
            try await AuthServer(
                settings: AuthServerSettings(clusterName: "measured.example.com", advertiseAddress: "127.0.0.1:3025",
                                             dataDirectory: directory, version: "test"),
                backend: base, methods: JoinMethodSet(methods: []), logger: .init(label: "measured-test"))
        }
        XCTAssertTrue(server.backend is MeasuredBackend)
        XCTAssertGreaterThan(timings("get") + timings("create"), 0, "loading the CAs went through the measured backend")
    }
}
