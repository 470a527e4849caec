import Transport
import Foundation
import GRPCCore
import JoinCore
import NIOCore
import XCTest

/// gRPC statuses from the Auth server become ``JoinError``s carrying the server's message.
final class RPCErrorTranslationTests: XCTestCase {
    private let address = AuthAddress(host: "auth.example.com", port: 3025)

    private func translate(_ code: RPCError.Code, _ message: String) -> JoinError? {
        RPCErrorTranslation.joinError(RPCError(code: code, message: message), address: address) as? JoinError
    }

    func testPermissionDeniedIsAccessDeniedWithTheServersMessage() {
        XCTAssertEqual(translate(.permissionDenied, "token expired or not found"), .accessDenied("token expired or not found"))
    }

    func testUnauthenticatedIsAccessDenied() {
        XCTAssertEqual(translate(.unauthenticated, "no certificate")?.kind, .accessDenied)
    }

    func testInvalidArgumentIsBadParameter() {
        XCTAssertEqual(translate(.invalidArgument, "role x is not registered"), .badParameter("role x is not registered"))
    }

    func testStateConflictsAreCompareFailed() {
        XCTAssertEqual(translate(.failedPrecondition, "changed")?.kind, .compareFailed)
        XCTAssertEqual(translate(.aborted, "changed")?.kind, .compareFailed)
    }

    func testResourceExhaustedIsLimitExceeded() {
        XCTAssertEqual(translate(.resourceExhausted, "too many join attempts"), .limitExceeded("too many join attempts"))
    }

    func testOtherKindsKeepTheirMeaning() {
        XCTAssertEqual(translate(.notFound, "x")?.kind, .notFound)
        XCTAssertEqual(translate(.alreadyExists, "x")?.kind, .alreadyExists)
        XCTAssertEqual(translate(.unimplemented, "x")?.kind, .notImplemented)
    }

    func testUnavailableNamesTheAddress() {
        let error = translate(.unavailable, "connection refused")
        XCTAssertEqual(error?.kind, .unavailable)
        XCTAssertEqual(error?.message, "cannot reach the Auth server at auth.example.com:3025 (connection refused)")
        XCTAssertEqual(translate(.deadlineExceeded, "timed out")?.kind, .unavailable)
    }

    func testUnavailableSaysWhatHappenedOnTheWireWithoutGRPCInternals() {
        let refused = RPCError(code: .unavailable,
                               message: "Channel is in a transient failure state and 'wait for ready' isn't enabled. Could not establish a connection to [ipv4]127.0.0.1:3025.",
                               cause: IOError(errnoCode: ECONNREFUSED, reason: "connect"))
        let error = RPCErrorTranslation.joinError(refused, address: address) as? JoinError
        XCTAssertEqual(error?.message, "cannot reach the Auth server at auth.example.com:3025 (connection refused)")
    }

    func testThroughAProxyThatClosedTheConnectionTheProxyIsWhatCannotReachTheAuthServer() {
        let closed = RPCError(code: .unavailable,
                              message: "The server accepted the TCP connection but closed the connection before completing the HTTP/2 connection preface.")
        let error = RPCErrorTranslation.joinError(closed, address: address, throughProxy: true) as? JoinError
        XCTAssertEqual(error?.message, "cannot reach the Auth server through the Proxy Service at auth.example.com:3025 "
            + "(the Proxy Service closed the connection: it cannot reach the Auth server, or it is restarting)")
    }

    func testUnknownCodesAreInternalErrorsNamingTheAddress() {
        let error = translate(.internalError, "boom")
        XCTAssertEqual(error?.kind, .internalError)
        XCTAssertTrue(error?.message.contains("auth.example.com:3025") ?? false)
    }

    func testNonRPCErrorsPassThrough() {
        let original = JoinError.badParameter("local problem")
        XCTAssertEqual(RPCErrorTranslation.joinError(original, address: address) as? JoinError, original)
    }

    func testTranslatingWrapsThrownErrors() async {
        do {
            _ = try await RPCErrorTranslation.translating(address) { () async throws -> Int in
                throw RPCError(code: .permissionDenied, message: "denied")
            }
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error as? JoinError, .accessDenied("denied"))
        }
    }

    func testTranslatingReturnsTheValue() async throws {
        let value = try await RPCErrorTranslation.translating(address) { 42 }
        XCTAssertEqual(value, 42)
    }
}
