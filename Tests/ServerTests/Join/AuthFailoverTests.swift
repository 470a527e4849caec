import Agent
import Foundation
import JoinCore
import Logging
import TestSupport
import Transport
import XCTest

/// Failing over between Auth servers: unreachable ones are skipped, a real answer is final, and
/// giving up says which servers were tried.
final class AuthFailoverTests: XCTestCase {
    private let fast = JitteredBackoff(initial: .milliseconds(10), maximum: .milliseconds(40))

    private func deadAddress() throws -> AuthAddress {
        try AuthAddress(parsing: "127.0.0.1:\(FreePort.next())")
    }

    func testAJoinSkipsAnUnreachableServerAndUsesTheNext() async throws {
        let cluster = try await TestCluster()
        defer { Task { await cluster.stop() } }
        let live = try await cluster.start()
        try await cluster.addToken("failover-token-0123456789abcdef", roles: [.node])
        let dead = try deadAddress()
        var parameters = JoinParameters(authServer: dead, tokenName: "failover-token-0123456789abcdef", method: "token",
                                        role: .node, nodeName: "n1", caPins: cluster.pins())
        parameters.fallbackAuthServers = [live]
        let client = cluster.joinClient()
        let used = AddressLog()
        let identity = try await AuthFailover(addresses: parameters.allAuthServers, backoff: fast, logger: Logger(label: "test"))
            .run { address in
                used.append(address)
                var attempt = parameters
                attempt.authServer = address
                return try await client.join(attempt)
            }
        XCTAssertFalse(identity.hostID.isEmpty)
        XCTAssertEqual(used.all, [dead, live])
    }

    func testARefusalIsFinalAndNotRetriedElsewhere() async throws {
        let cluster = try await TestCluster()
        defer { Task { await cluster.stop() } }
        let live = try await cluster.start()
        let client = cluster.joinClient()
        let used = AddressLog()
        do {
            _ = try await AuthFailover(addresses: [live, live], backoff: fast, logger: Logger(label: "test")).run { address in
                used.append(address)
                return try await client.join(JoinParameters(
                    authServer: address, tokenName: "no-such-token-0123456789abcdef", method: "token", role: .node,
                    nodeName: "n1", caPins: cluster.pins()))
            }
            XCTFail("an unknown token must fail")
        } catch let error as JoinError {
            XCTAssertEqual(error, .tokenExpiredOrNotFound)
        }
        XCTAssertEqual(used.all.count, 1)
    }

    func testGivingUpNamesEveryServerTried() async throws {
        let first = try deadAddress(), second = try deadAddress()
        let used = AddressLog()
        do {
            _ = try await AuthFailover(addresses: [first, second], backoff: fast, rounds: 3, logger: Logger(label: "test")).run { address -> Int in
                used.append(address)
                throw JoinError.unavailable("cannot reach \(address)")
            }
            XCTFail("no server is reachable")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .unavailable)
            XCTAssertTrue(error.message.contains("\(first)") && error.message.contains("\(second)"), error.message)
        }
        XCTAssertEqual(used.all.count, 6, "three rounds over two servers")
    }

    func testTheRetryDelayIsLoggedAsADurationAPersonReads() async throws {
        let records = RecordedLogs()
        let failover = AuthFailover(addresses: [try deadAddress()], backoff: fast, rounds: 2, logger: Logger(label: "test") { _ in records })
        do {
            _ = try await failover.run { _ in throw JoinError.unavailable("cannot reach it") } as Int
            XCTFail("every address is down")
        } catch {}
        let retry = try XCTUnwrap(records.lines.first { $0.hasPrefix("no Auth server reachable; retrying") }, "\(records.lines)")
        XCTAssertNotNil(retry.range(of: #"in=[0-9.]+m?s round=1$"#, options: .regularExpression), retry)
    }
}

/// The addresses a test's operation was called with, in order.
private final class AddressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var addresses: [AuthAddress] = []
    func append(_ address: AuthAddress) { lock.withLock { addresses.append(address) } }
    var all: [AuthAddress] { lock.withLock { addresses } }
}
