import JoinCore
import XCTest

/// Runs `body`, which must fail with a ``JoinError`` of `kind` whose message contains `text`:
/// the shape of every refusal a test expects, written once.
func assertJoinError<T>(_ kind: JoinError.Kind, containing text: String, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () async throws -> T) async {
    do {
        _ = try await body()
        XCTFail("succeeded but should have failed with \(text)", file: file, line: line)
    } catch let error as JoinError {
        XCTAssertEqual(error.kind, kind, file: file, line: line)
        XCTAssertTrue(error.message.contains(text), "message was: \(error.message)", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}
