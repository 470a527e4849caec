import Foundation
import JoinCore
import JoineryProto
import Metrics
import MetricsTestKit
import Server
import TestSupport
import XCTest

/// Online guessing of token names from one address (DESIGN.md §7): the rate limiter lets
/// `burst` guesses be evaluated and refuses the rest, every evaluated guess gets the same
/// answer whatever the name really is, and an honest node at that address still joins once
/// the bucket refills.
final class BruteForceTests: XCTestCase {
    private let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
    private let attacker = "198.51.100.23"
    private let limits = JoinRateLimiter.Limits(averagePerSecond: 10, burst: 100)

    /// What one guess really names; the attacker cannot tell them apart.
    private enum Guess: CaseIterable {
        case unknown, expired, otherMethod
    }

    func testTenThousandWrongTokensFromOneAddressAreThrottledAndIndistinguishable() async throws {
        // Every guess is audited: 10,000 SQLite commits. On tmpfs they cost no disk flush.
        let scratch = URL(fileURLWithPath: FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
            .appendingPathComponent("joinery-brute-force-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let backend = try SQLiteBackend(path: scratch.appendingPathComponent("backend.sqlite"), clock: clock)
        let cluster = try await TestCluster(registry: TestCluster.challengeRegistry, clock: clock, rateLimits: limits, backend: backend)
        defer {
            Task {
                await cluster.stop()
                try? FileManager.default.removeItem(at: scratch)
            }
        }
        for index in 0..<10 {
            try await cluster.addToken(name("expired", index), roles: [.node], ttl: 60)
            try await cluster.addChallengeRoundToken(name("other-method", index))
        }
        clock.advance(by: 61)
        let legitimate = name("legitimate", 0)
        try await cluster.addToken(legitimate, roles: [.node])

        let metrics = TestMetrics()
        var refusals: [Guess: [JoinError]] = [:]
        var rateLimited = 0
        try await withMetricsFactory(metrics) {
            for attempt in 0..<10_000 {
                let guess = Guess.allCases[attempt % Guess.allCases.count]
                let token = switch guess {
                case .unknown: name("unknown", attempt)
                case .expired: name("expired", attempt % 10)
                case .otherMethod: name("other-method", attempt % 10)
                }
                // Every guess asks for the `token` method, as a guesser of token names would.
                let stream = InMemoryJoinStream([InMemoryJoinStream.clientInit(token: token, method: "token")])
                do {
                    try await cluster.server.joinPipeline.run(stream, remoteAddress: "\(attacker):\(40_000 + attempt % 20_000)")
                    XCTFail("guess \(attempt) joined")
                } catch let error as JoinError where error.kind == .limitExceeded {
                    rateLimited += 1
                } catch let error as JoinError {
                    refusals[guess, default: []].append(error)
                    XCTAssertTrue(stream.sent.isEmpty, "an evaluated guess got \(stream.sent.count) messages before its refusal")
                }
            }
        }

        let evaluated = refusals.values.map(\.count).reduce(0, +)
        XCTAssertEqual(evaluated, Int(limits.burst), "exactly the burst is evaluated")
        XCTAssertEqual(rateLimited, 10_000 - Int(limits.burst))
        XCTAssertEqual(Set(refusals.keys), Set(Guess.allCases), "the evaluated guesses cover every kind of name")
        let answers = Set(refusals.values.joined().map { "\($0.kind)|\($0.message)" })
        XCTAssertEqual(answers, ["\(JoinError.tokenExpiredOrNotFound.kind)|token expired or not found"],
                       "unknown, expired and other-method tokens must be answered byte for byte alike")

        let events = try await cluster.backend.auditEvents(limit: 20_000)
        XCTAssertEqual(events.count, 10_000, "every guess is audited")
        XCTAssertTrue(events.allSatisfy { !$0.success && $0.remoteAddress.hasPrefix(attacker + ":") })
        XCTAssertEqual(events.filter { $0.reason?.hasPrefix("too many join attempts from \(attacker)") == true }.count,
                       10_000 - Int(limits.burst))
        XCTAssertEqual(events.filter { $0.reason?.contains("provision token only supports method challenge-round") == true }.count,
                       refusals[.otherMethod]?.count, "the audit keeps the real reason the client was not told")
        XCTAssertEqual(metrics.counterTotal(label: JoinMetrics.rateLimited, dimensions: [("method", "token")]),
                       Int64(10_000 - Int(limits.burst)))

        // A second later the bucket holds ten attempts again: a node at the same address joins.
        clock.advance(by: 1)
        let stream = InMemoryJoinStream([InMemoryJoinStream.clientInit(token: legitimate, method: "token")])
        try await cluster.server.joinPipeline.run(stream, remoteAddress: "\(attacker):50000")
        XCTAssertNotNil(stream.result)
    }

    func testAnOtherMethodTokenIsAnsweredLikeAnUnknownOneOverGRPC() async throws {
        let cluster = try await TestCluster(registry: TestCluster.challengeRegistry, rateLimits: limits)
        defer { Task { await cluster.stop() } }
        let address = try await cluster.start()
        try await cluster.addChallengeRoundToken(name("other-method", 0))
        let unknown = try await JoinStreamProbe.refusal(address, InMemoryJoinStream.clientInit(token: name("unknown", 0), method: "token"))
        let otherMethod = try await JoinStreamProbe.refusal(
            address, InMemoryJoinStream.clientInit(token: name("other-method", 0), method: "token"))
        XCTAssertEqual(unknown.code, .permissionDenied)
        XCTAssertEqual(otherMethod.code, unknown.code)
        XCTAssertEqual(otherMethod.message, unknown.message)
        XCTAssertEqual(unknown.message, "token expired or not found")
    }

    /// A 32-character token name made of `prefix` and `index`, like a guess of the right length.
    private func name(_ prefix: String, _ index: Int) -> String {
        let digits = String(index)
        return prefix + String(repeating: "0", count: 32 - prefix.count - digits.count) + digits
    }
}
