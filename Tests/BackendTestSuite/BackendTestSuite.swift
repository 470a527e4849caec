import Foundation
import JoinCore
import Server
import XCTest

/// The behaviour every ``Backend`` must show, written once and run unchanged by each backend's
/// own test case (SQLite now, PostgreSQL later).
///
/// It is a library rather than a test target so that each backend's `XCTestCase` supplies
/// only a factory and one forwarding test per behaviour:
///
/// ```swift
/// func testCreateThenGet() async throws { try await suite.testCreateThenGet() }
/// ```
///
/// Each behaviour asks the factory for a fresh, empty backend reading the time from a
/// ``ManualClock`` that starts at ``start`` (a whole second, so any backend's timestamp
/// precision keeps it exactly), and closes it at the end. Failures are reported with XCTest
/// assertions against the calling test.
public struct BackendTestSuite: Sendable {
    /// The clock's starting instant in every behaviour: 2026-01-01T00:00:00Z.
    public static let start = Date(timeIntervalSince1970: 1_767_225_600)

    let makeBackend: @Sendable (ManualClock) async throws -> any Backend

    /// - Parameter makeBackend: returns a new, empty backend that reads the time from the given
    ///   clock. Called once per behaviour.
    public init(makeBackend: @escaping @Sendable (ManualClock) async throws -> any Backend) {
        self.makeBackend = makeBackend
    }

    /// Runs `body` against a fresh backend and closes it afterwards, also when `body` throws.
    func withBackend(_ body: (any Backend, ManualClock) async throws -> Void) async throws {
        let clock = ManualClock(Self.start)
        let backend = try await makeBackend(clock)
        do {
            try await body(backend, clock)
        } catch {
            try? await backend.close()
            throw error
        }
        try await backend.close()
    }

    /// Asserts that `body` fails with a ``JoinError`` of `kind`, and returns that error.
    @discardableResult
    func expectJoinError<T>(
        _ kind: JoinError.Kind, _ operation: String,
        file: StaticString = #filePath, line: UInt = #line,
        _ body: () async throws -> T
    ) async -> JoinError? {
        do {
            _ = try await body()
            XCTFail("\(operation) succeeded; expected a .\(kind) JoinError", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, kind, "\(operation) failed with the wrong kind: \(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("\(operation) threw \(type(of: error)) \(error); expected a .\(kind) JoinError", file: file, line: line)
        }
        return nil
    }

    /// The instant `seconds` after ``start``.
    func at(_ seconds: TimeInterval) -> Date {
        Self.start.addingTimeInterval(seconds)
    }
}

extension Data {
    /// Test values are short UTF-8 strings.
    init(utf8 text: String) { self = Data(text.utf8) }
}
