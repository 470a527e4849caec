import JoinCore
import XCTest

/// The `JoinError` `body` throws; a test failure (and nil) when it succeeds or throws something else.
func expectedRefusal(file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void) async -> JoinError? {
    do {
        try await body()
        XCTFail("accepted, but a refusal was expected", file: file, line: line)
        return nil
    } catch let error as JoinError {
        return error
    } catch {
        XCTFail("unexpected \(error)", file: file, line: line)
        return nil
    }
}
