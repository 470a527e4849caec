import Foundation
import GRPCCore
import JoinCore
import NIOCore
import NIOSSL
import Transport
import XCTest

/// The errors gRPC, NIO and NIOSSL raise when a connection fails become a few plain words,
/// without type names, gRPC states or errno numbers.
final class ConnectionFailureReasonTests: XCTestCase {
    func testARefusedConnectionIsConnectionRefused() {
        let reason = ConnectionFailureReason(IOError(errnoCode: ECONNREFUSED, reason: "connect"))
        XCTAssertEqual(reason, ConnectionFailureReason(kind: .refused, text: "connection refused"))
    }

    func testAnRPCErrorIsReadThroughItsCause() {
        let error = RPCError(code: .unavailable, message: "Could not establish a connection to [ipv4]127.0.0.1:3025.",
                             cause: IOError(errnoCode: ECONNREFUSED, reason: "connect"))
        XCTAssertEqual(ConnectionFailureReason(error).text, "connection refused")
    }

    func testTheTransientFailurePreambleIsDropped() {
        let error = RPCError(code: .unavailable,
                             message: "Channel is in a transient failure state and 'wait for ready' isn't enabled. Something else failed.")
        XCTAssertEqual(ConnectionFailureReason(error).text, "Something else failed")
    }

    func testAPeerClosingBeforeHTTP2IsAClosedConnection() {
        let error = RPCError(code: .unavailable,
                             message: "The server accepted the TCP connection but closed the connection before completing the HTTP/2 connection preface.")
        XCTAssertEqual(ConnectionFailureReason(error).kind, .closed)
    }

    func testAResetAndAnEOFDuringTheTLSHandshakeAreClosedConnections() {
        XCTAssertEqual(ConnectionFailureReason(IOError(errnoCode: ECONNRESET, reason: "read")).kind, .closed)
        XCTAssertEqual(ConnectionFailureReason(NIOSSLError.uncleanShutdown).kind, .closed)
    }

    func testAConnectTimeoutSaysHowLong() {
        XCTAssertEqual(ConnectionFailureReason(ChannelError.connectTimeout(.seconds(10))).text, "timed out after 10000 ms")
    }

    func testNoReasonNamesALibraryType() {
        let errors: [any Error] = [
            RPCError(code: .unavailable, message: "x", cause: IOError(errnoCode: ECONNREFUSED, reason: "connect")),
            IOError(errnoCode: EHOSTUNREACH, reason: "connect"), ChannelError.ioOnClosedChannel,
        ]
        for error in errors {
            let text = ConnectionFailureReason(error).text
            for name in ["RPCError", "IOError", "errno", "ChannelError", "code:"] {
                XCTAssertFalse(text.contains(name), text)
            }
        }
    }
}
