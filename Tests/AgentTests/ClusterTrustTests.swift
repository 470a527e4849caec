@testable import Agent
import JoinCore
import Logging
import Transport
import XCTest

/// The trust decision before a join, which needs no server: pins, `--insecure`, and the
/// refusal when there is neither.
final class ClusterTrustTests: XCTestCase {
    private func parameters(insecure: Bool, pins: [CAPin] = []) -> JoinParameters {
        // Port 1 on loopback: nothing listens, so a connection attempt would fail the test.
        JoinParameters(authServer: AuthAddress(host: "127.0.0.1", port: 1), tokenName: "t", method: "token", role: .node,
                       nodeName: "n", caPins: pins, insecure: insecure)
    }

    func testInsecureSkipsVerification() throws {
        let pin = try CAPin(parsing: "sha256:" + String(repeating: "ab", count: 32))
        let trust = try ClusterTrust.joinTrust(parameters(insecure: true, pins: [pin]), clock: SystemClock(), logger: Logger(label: "test"))
        guard case .unverified = trust else { return XCTFail("--insecure must skip verification, got \(trust)") }
    }

    func testPinsGiveAPinnedHandshake() throws {
        let pin = try CAPin(parsing: "sha256:" + String(repeating: "ab", count: 32))
        let trust = try ClusterTrust.joinTrust(parameters(insecure: false, pins: [pin]), clock: SystemClock(), logger: Logger(label: "test"))
        guard case .pinned(let handshake) = trust else { return XCTFail("pins must be checked in the handshake, got \(trust)") }
        XCTAssertEqual(handshake.pins, [pin])
    }

    func testNoPinsAndNoInsecureRefusesNamingTheWaysOut() throws {
        XCTAssertThrowsError(try ClusterTrust.joinTrust(parameters(insecure: false), clock: SystemClock(), logger: Logger(label: "test"))) { error in
            let error = error as? JoinError
            XCTAssertEqual(error?.kind, .badParameter)
            for flag in ["--ca-pin", "ca_pin", "--insecure", "--ca-path", "tctl status", "Nothing was sent"] {
                XCTAssertTrue(error?.message.contains(flag) == true, "the refusal should name \(flag): \(error?.message ?? "")")
            }
        }
    }

    func testJoinParametersDefaultToVerifiedJoins() {
        let parameters = JoinParameters(authServer: AuthAddress(host: "a", port: 3025), tokenName: "t", method: "token",
                                        role: .node, nodeName: "n")
        XCTAssertFalse(parameters.insecure)
        XCTAssertTrue(parameters.caPins.isEmpty)
    }
}
