import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport
import X509
import XCTest

/// Locks on the join paths that carry an identity (issue 15, item 6): a locked Proxy Service
/// (by role or host ID) can no longer forward joins, and a locked host presenting its
/// certificate cannot join again, while the same joins go through when nothing is locked.
final class ProxyAndRejoinLockTests: XCTestCase {
    private var cluster: TestCluster!
    private let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
    private let token = "lock-forwarded-token-0123456789ab"

    override func setUp() async throws {
        cluster = try await TestCluster(clock: clock, rateLimits: .init(averagePerSecond: 1000, burst: 1000))
        try await cluster.addToken(token, roles: [.node])
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private func certificate(role: SystemRole, hostID: String = UUID().uuidString.lowercased()) throws -> Certificate {
        let identity = try LocalTLSIdentity.issue(hostCA: cluster.server.authorities.host, hostID: hostID, role: role, now: clock.now)
        return try Certificate(derEncoded: identity.certificateDER)
    }

    private func forwarded() -> Joinery_V1_JoinRequest {
        var request = InMemoryJoinStream.clientInit(token: token)
        request.clientInit.forwardedByProxy = .with { $0.remoteAddr = "203.0.113.7:5555" }
        return request
    }

    private func run(_ request: Joinery_V1_JoinRequest, presenting certificate: Certificate?) async -> (InMemoryJoinStream, JoinError?) {
        let stream = InMemoryJoinStream([request])
        do {
            try await cluster.server.joinPipeline.run(stream, remoteAddress: "127.0.0.1:41000", presentedCertificate: certificate)
            return (stream, nil)
        } catch {
            return (stream, error as? JoinError ?? .internalError("\(error)"))
        }
    }

    private func lock(_ target: LockTarget) async throws {
        _ = try await cluster.server.locks.create(
            LockResource(name: "", target: target, message: "proxy under investigation", createdAt: nil, createdBy: "test"),
            upsert: false)
    }

    func testARoleLockOnProxyStopsForwardedJoins() async throws {
        let proxy = try certificate(role: .proxy)
        let (allowed, allowedError) = await run(forwarded(), presenting: proxy)
        XCTAssertNil(allowedError)
        XCTAssertNotNil(allowed.result)

        try await lock(.role(.proxy))
        let (stream, error) = await run(forwarded(), presenting: proxy)
        XCTAssertEqual(error?.kind, .accessDenied)
        XCTAssertEqual(error?.message,
                       "the Proxy Service that forwarded this join is locked and may not forward joins; contact the cluster's administrator")
        XCTAssertNil(stream.result)
        let events = try await cluster.backend.auditEvents(limit: 10)
        let refused = try XCTUnwrap(events.last)
        XCTAssertFalse(refused.success)
        XCTAssertTrue(refused.reason?.contains("role=Proxy is locked: proxy under investigation") ?? false, "\(refused)")
    }

    func testALockOnOneProxysHostIDStopsOnlyThatProxy() async throws {
        let lockedID = UUID().uuidString.lowercased()
        try await lock(.serverID(lockedID))
        let (_, lockedError) = await run(forwarded(), presenting: try certificate(role: .proxy, hostID: lockedID))
        XCTAssertEqual(lockedError?.kind, .accessDenied)
        let (other, otherError) = await run(forwarded(), presenting: try certificate(role: .proxy))
        XCTAssertNil(otherError)
        XCTAssertNotNil(other.result)
    }

    func testALockOnProxyDoesNotStopDirectJoins() async throws {
        try await lock(.role(.proxy))
        let (stream, error) = await run(InMemoryJoinStream.clientInit(token: token), presenting: nil)
        XCTAssertNil(error)
        XCTAssertNotNil(stream.result)
    }

    func testALockedHostPresentingItsCertificateCannotJoinAgain() async throws {
        let hostID = UUID().uuidString.lowercased()
        try await lock(.serverID(hostID))
        let (stream, error) = await run(InMemoryJoinStream.clientInit(token: token), presenting: try certificate(role: .node, hostID: hostID))
        XCTAssertEqual(error?.kind, .accessDenied)
        XCTAssertTrue(error?.message.contains("server_id=\(hostID) is locked") ?? false, "\(String(describing: error))")
        XCTAssertNil(stream.result)
    }
}
