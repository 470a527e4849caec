import Foundation
import JoinCore
import XCTest

extension XCTestCase {
    /// Runs `body`, expecting AccessDenied whose message contains `expected`; returns the error.
    @discardableResult
    func assertAccessDenied(
        containing expected: String, _ context: String = "",
        file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
    ) -> JoinError? {
        assertJoinError(.accessDenied, containing: expected, context, file: file, line: line, body)
    }

    /// Runs `body`, expecting a ``JoinError`` of `kind` whose message contains `expected`.
    @discardableResult
    func assertJoinError(
        _ kind: JoinError.Kind, containing expected: String, _ context: String = "",
        file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
    ) -> JoinError? {
        do {
            try body()
            XCTFail("expected \(kind) containing \"\(expected)\", got success \(context)", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, kind, "\(error.message) \(context)", file: file, line: line)
            XCTAssertTrue(error.message.contains(expected), "\"\(error.message)\" lacks \"\(expected)\" \(context)", file: file, line: line)
            return error
        } catch {
            XCTFail("expected JoinError, got \(error) \(context)", file: file, line: line)
        }
        return nil
    }

    /// Runs async `body` (a method's `validate` through ``JoinMethod``), expecting a
    /// ``JoinError`` of `kind` whose message contains `expected`.
    @discardableResult
    func assertJoinError(
        _ kind: JoinError.Kind, containing expected: String, _ context: String = "",
        file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void
    ) async -> JoinError? {
        do {
            try await body()
            XCTFail("expected \(kind) containing \"\(expected)\", got success \(context)", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, kind, "\(error.message) \(context)", file: file, line: line)
            XCTAssertTrue(error.message.contains(expected), "\"\(error.message)\" lacks \"\(expected)\" \(context)", file: file, line: line)
            return error
        } catch {
            XCTFail("expected JoinError, got \(error) \(context)", file: file, line: line)
        }
        return nil
    }

    /// A fresh empty folder, removed when the test ends.
    func temporaryDirectory() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("joinery-ec2-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }
}
