import Foundation
import JoinCore
import OIDCKit
import XCTest

/// The joiner's own token sources, where a wrong setting must fail fast and say why.
final class TokenSourceTests: XCTestCase {
    func testACommandThatHangsIsKilledAtItsTimeout() async throws {
        let started = Date()
        let error = await expectedRefusal {
            _ = try await CommandTokenSource(arguments: ["/bin/sleep", "30"], environment: [:], timeout: 1).idToken()
        }
        XCTAssertEqual(error?.kind, .unavailable)
        XCTAssertTrue(error?.message.contains("did not finish within 1 s") == true, error?.message ?? "")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    func testACommandThatFailsIsQuotedAndOneThatPrintsATokenIsRead() async throws {
        let failed = await expectedRefusal {
            _ = try await CommandTokenSource(arguments: ["/bin/sh", "-c", "echo 'not logged in' >&2; exit 3"], environment: [:]).idToken()
        }
        XCTAssertEqual(failed?.message, "the ID token command /bin/sh exited with status 3: \"not logged in?\"")
        let token = try await CommandTokenSource(arguments: ["/bin/sh", "-c", "printf 'a.b.c\\n'"], environment: [:]).idToken()
        XCTAssertEqual(token, "a.b.c")
        // A child left behind holding stdout cannot hold the join past the timeout (Foundation
        // may see the command end only when its output closes).
        let started = Date()
        do {
            let detached = try await CommandTokenSource(arguments: ["/bin/sh", "-c", "echo x.y.z; (sleep 20 &) ; exit 0"],
                                                        environment: [:], timeout: 2).idToken()
            XCTAssertEqual(detached, "x.y.z")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .unavailable, error.message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)
    }

    func testAnOversizedCommandOutputOrFileIsRefusedWithoutBufferingIt() async throws {
        let noisy = await expectedRefusal {
            _ = try await CommandTokenSource(arguments: ["/usr/bin/head", "-c", "100000000", "/dev/zero"], environment: [:]).idToken()
        }
        XCTAssertTrue(noisy?.message.contains("printed more than") == true, noisy?.message ?? "")
        let file = await expectedRefusal { _ = try await FileTokenSource(path: "/dev/zero").idToken() }
        XCTAssertTrue(file?.message.contains("is not a token") == true, file?.message ?? "")
        let missing = await expectedRefusal { _ = try await FileTokenSource(path: "/nonexistent/jwt").idToken() }
        XCTAssertTrue(missing?.message.hasPrefix("cannot read the ID token file /nonexistent/jwt") == true, missing?.message ?? "")
    }
}
