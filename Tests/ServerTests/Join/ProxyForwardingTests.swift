import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport
import X509
import XCTest

/// Forwarded join parameters (spec §9.1): the Auth server takes the client's address from
/// them only when the caller holds a Proxy certificate of this cluster, and refuses them, with
/// nothing changed, from anyone else.
final class ProxyForwardingTests: XCTestCase {
    private var cluster: TestCluster!
    private let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
    private let token = "forwarded-join-token-0123456789ab"

    override func setUp() async throws {
        cluster = try await TestCluster(clock: clock, rateLimits: .init(averagePerSecond: 1000, burst: 1000))
        try await cluster.addToken(token, roles: [.node])
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private func forwarded(from client: String) -> Joinery_V1_JoinRequest {
        var request = InMemoryJoinStream.clientInit(token: token)
        request.clientInit.forwardedByProxy = .with {
            $0.remoteAddr = client
            $0.clientVersion = "0.1.0"
        }
        return request
    }

    private func certificate(role: SystemRole) throws -> Certificate {
        let identity = try LocalTLSIdentity.issue(hostCA: cluster.server.authorities.host, hostID: UUID().uuidString.lowercased(),
                                                  role: role, now: clock.now)
        return try Certificate(derEncoded: identity.certificateDER)
    }

    private func run(_ request: Joinery_V1_JoinRequest, presenting certificate: Certificate?) async throws -> InMemoryJoinStream {
        let stream = InMemoryJoinStream([request])
        try await cluster.server.joinPipeline.run(stream, remoteAddress: "127.0.0.1:41000", presentedCertificate: certificate)
        return stream
    }

    func testAProxyCertificateMakesTheForwardedAddressTheClientsAddress() async throws {
        let stream = try await run(forwarded(from: "203.0.113.7:5555"), presenting: try certificate(role: .proxy))
        XCTAssertNotNil(stream.result)
        let events = try await cluster.backend.auditEvents(limit: 10)
        let event = try XCTUnwrap(events.first)
        XCTAssertTrue(event.success)
        XCTAssertEqual(event.remoteAddress, "203.0.113.7:5555")
        XCTAssertEqual(event.attributes["forwarded_by_proxy"], "127.0.0.1:41000")
    }

    func testForwardedParametersFromAnyoneButAProxyAreRefusedAndChangeNothing() async throws {
        let callers: [(String, Certificate?)] = [
            ("no certificate", nil),
            ("a Node certificate", try certificate(role: .node)),
            ("an Admin certificate", try certificate(role: .admin)),
        ]
        let foreign = try await foreignProxyCertificate()
        let allCallers = callers + [("a certificate from another CA", foreign)]
        for (label, presented) in allCallers {
            do {
                _ = try await run(forwarded(from: "203.0.113.7:5555"), presenting: presented)
                XCTFail("\(label): forwarded parameters were accepted")
            } catch let error as JoinError {
                XCTAssertEqual(error.kind, .accessDenied, label)
                XCTAssertTrue(error.message.contains("forwarded join parameters are accepted only from a Proxy Service"),
                              "\(label): \(error.message)")
            }
        }
        // The token was not touched and still joins; every refusal was audited under the
        // connection's own address, never the claimed one.
        let stored = try await cluster.backend.get("/tokens/\(token)")
        XCTAssertNotNil(stored)
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertEqual(events.count, allCallers.count)
        XCTAssertTrue(events.allSatisfy { !$0.success && $0.remoteAddress == "127.0.0.1:41000" }, "\(events)")
        let plain = try await run(InMemoryJoinStream.clientInit(token: token), presenting: nil)
        XCTAssertNotNil(plain.result)
    }

    func testAMalformedForwardedAddressIsRefused() async throws {
        for address in ["", "not an address", String(repeating: "1", count: 80) + ":1", "203.0.113.7"] {
            do {
                _ = try await run(forwarded(from: address), presenting: try certificate(role: .proxy))
                XCTFail("\(address) was accepted")
            } catch let error as JoinError {
                XCTAssertEqual(error.kind, .badParameter, address)
                XCTAssertTrue(error.message.contains("invalid client address"), error.message)
            }
        }
    }

    func testTheRateLimitBehindAProxyKeysOnTheForwardedClientAddressNotTheProxys() async throws {
        let limited = try await TestCluster(clock: clock, rateLimits: .init(averagePerSecond: 0.001, burst: 2))
        defer { Task { await limited.stop() } }
        try await limited.addToken(token, roles: [.node])
        let proxy = try Certificate(derEncoded: try LocalTLSIdentity.issue(
            hostCA: limited.server.authorities.host, hostID: "limited-proxy", role: .proxy, now: clock.now).certificateDER)
        // Every join arrives on the same proxy connection address (127.0.0.1:41000).
        func join(_ request: Joinery_V1_JoinRequest, presenting certificate: Certificate?) async throws {
            try await limited.server.joinPipeline.run(InMemoryJoinStream([request]), remoteAddress: "127.0.0.1:41000",
                                                      presentedCertificate: certificate)
        }

        try await join(forwarded(from: "203.0.113.7:5001"), presenting: proxy)
        try await join(forwarded(from: "203.0.113.7:5002"), presenting: proxy)
        do {
            try await join(forwarded(from: "203.0.113.7:5003"), presenting: proxy)
            XCTFail("a third join from 203.0.113.7 was admitted past a burst of 2")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .limitExceeded)
            XCTAssertTrue(error.message.contains("203.0.113.7"), error.message)
        }
        // Another client behind the same proxy has its own bucket, and so has the proxy's own
        // address: neither was spent by the first client's joins.
        try await join(forwarded(from: "203.0.113.8:5001"), presenting: proxy)
        try await join(forwarded(from: "203.0.113.8:5002"), presenting: proxy)
        try await join(InMemoryJoinStream.clientInit(token: token), presenting: nil)

        let events = try await limited.backend.auditEvents(limit: 10)
        let refused = events.filter { !$0.success }
        XCTAssertEqual(refused.map(\.remoteAddress), ["203.0.113.7:5003"], "\(events)")
        XCTAssertEqual(refused.first?.attributes["forwarded_by_proxy"], "127.0.0.1:41000")
    }

    /// A Proxy certificate issued by a CA that is not this cluster's.
    private func foreignProxyCertificate() async throws -> Certificate {
        let other = try await TestCluster(clock: clock)
        defer { Task { await other.stop() } }
        let identity = try LocalTLSIdentity.issue(hostCA: other.server.authorities.host, hostID: "foreign-proxy",
                                                  role: .proxy, now: clock.now)
        return try Certificate(derEncoded: identity.certificateDER)
    }
}
