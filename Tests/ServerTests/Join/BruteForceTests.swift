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
    private static let attacker = "198.51.100.23"
    private let limits = JoinRateLimiter.Limits(averagePerSecond: 10, burst: 100)

    /// What one guess really names; the attacker cannot tell them apart.
    private enum Guess: CaseIterable, Sendable {
        case unknown, expired, otherMethod
    }

    /// What one worker's guesses got.
    private struct Tally: Sendable {
        var rateLimited = 0
        var refusals: [Guess: [JoinError]] = [:]
        var joined = 0
        var messagesBeforeRefusal = 0
        var unexpected: [String] = []
    }

    func testTenThousandWrongTokensFromOneAddressAreThrottledAndIndistinguishable() async throws {
        let cluster = try await TestCluster(registry: TestCluster.challengeRegistry, clock: clock, rateLimits: limits)
        defer { Task { await cluster.stop() } }
        for index in 0..<10 {
            try await cluster.addToken(Self.name("expired", index), roles: [.node], ttl: 60)
            try await cluster.addChallengeRoundToken(Self.name("other-method", index))
        }
        clock.advance(by: 61)
        let legitimate = Self.name("legitimate", 0)
        try await cluster.addToken(legitimate, roles: [.node])

        // Every guess asks for the `token` method, as a guesser of token names would. The
        // guesses share one set of keys (only the name varies) and run four at a time: the
        // clock is frozen, so how many are admitted does not depend on their order.
        let template = InMemoryJoinStream.clientInit(token: "placeholder", method: "token")
        let pipeline = cluster.server.joinPipeline
        let attacker = Self.attacker
        let workers = 4
        let metrics = TestMetrics()
        let tallies = await withMetricsFactory(metrics) {
            await withTaskGroup(of: Tally.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var tally = Tally()
                        for attempt in stride(from: worker, to: 10_000, by: workers) {
                            let guess = Guess.allCases[attempt % Guess.allCases.count]
                            var request = template
                            request.clientInit.tokenName = switch guess {
                            case .unknown: Self.name("unknown", attempt)
                            case .expired: Self.name("expired", attempt % 10)
                            case .otherMethod: Self.name("other-method", attempt % 10)
                            }
                            let stream = InMemoryJoinStream([request])
                            do {
                                try await pipeline.run(stream, remoteAddress: "\(attacker):\(40_000 + attempt % 20_000)")
                                tally.joined += 1
                            } catch let error as JoinError where error.kind == .limitExceeded {
                                tally.rateLimited += 1
                            } catch let error as JoinError {
                                tally.refusals[guess, default: []].append(error)
                                tally.messagesBeforeRefusal += stream.sent.count
                            } catch {
                                tally.unexpected.append("\(error)")
                            }
                        }
                        return tally
                    }
                }
                return await group.reduce(into: [Tally]()) { $0.append($1) }
            }
        }
        let refusals = tallies.reduce(into: [Guess: [JoinError]]()) { all, tally in all.merge(tally.refusals) { $0 + $1 } }
        let rateLimited = tallies.map(\.rateLimited).reduce(0, +)
        XCTAssertEqual(tallies.map(\.joined).reduce(0, +), 0, "a guess joined")
        XCTAssertEqual(tallies.flatMap(\.unexpected), [])
        XCTAssertEqual(tallies.map(\.messagesBeforeRefusal).reduce(0, +), 0, "an evaluated guess was sent something before its refusal")

        let evaluated = refusals.values.map(\.count).reduce(0, +)
        XCTAssertEqual(evaluated, Int(limits.burst), "exactly the burst is evaluated")
        XCTAssertEqual(rateLimited, 10_000 - Int(limits.burst))
        XCTAssertEqual(Set(refusals.keys), Set(Guess.allCases), "the evaluated guesses cover every kind of name")
        let answers = Set(refusals.values.joined().map { "\($0.kind)|\($0.message)" })
        XCTAssertEqual(answers, ["\(JoinError.tokenExpiredOrNotFound.kind)|token expired or not found"],
                       "unknown, expired and other-method tokens must be answered byte for byte alike")

        let events = try await cluster.backend.auditEvents(limit: 20_000)
        XCTAssertEqual(events.count, 10_000, "every guess is audited")
        XCTAssertTrue(events.allSatisfy { !$0.success && $0.remoteAddress.hasPrefix(Self.attacker + ":") })
        XCTAssertEqual(events.filter { $0.reason?.hasPrefix("too many join attempts from \(Self.attacker)") == true }.count,
                       10_000 - Int(limits.burst))
        XCTAssertEqual(events.filter { $0.reason?.contains("provision token only supports method challenge-round") == true }.count,
                       refusals[.otherMethod]?.count, "the audit keeps the real reason the client was not told")
        XCTAssertEqual(metrics.counterTotal(label: JoinMetrics.rateLimited, dimensions: [("method", "token")]),
                       Int64(10_000 - Int(limits.burst)))

        // A second later the bucket holds ten attempts again: a node at the same address joins.
        clock.advance(by: 1)
        let stream = InMemoryJoinStream([InMemoryJoinStream.clientInit(token: legitimate, method: "token")])
        try await cluster.server.joinPipeline.run(stream, remoteAddress: "\(Self.attacker):50000")
        XCTAssertNotNil(stream.result)
    }

    func testAnOtherMethodTokenIsAnsweredLikeAnUnknownOneOverGRPC() async throws {
        let cluster = try await TestCluster(registry: TestCluster.challengeRegistry, rateLimits: limits)
        defer { Task { await cluster.stop() } }
        let address = try await cluster.start()
        try await cluster.addChallengeRoundToken(Self.name("other-method", 0))
        let unknown = try await JoinStreamProbe.refusal(
            address, InMemoryJoinStream.clientInit(token: Self.name("unknown", 0), method: "token"))
        let otherMethod = try await JoinStreamProbe.refusal(
            address, InMemoryJoinStream.clientInit(token: Self.name("other-method", 0), method: "token"))
        XCTAssertEqual(unknown.code, .permissionDenied)
        XCTAssertEqual(otherMethod.code, unknown.code)
        XCTAssertEqual(otherMethod.message, unknown.message)
        XCTAssertEqual(unknown.message, "token expired or not found")
    }

    /// A 32-character token name made of `prefix` and `index`, like a guess of the right length.
    private static func name(_ prefix: String, _ index: Int) -> String {
        let digits = String(index)
        return prefix + String(repeating: "0", count: 32 - prefix.count - digits.count) + digits
    }
}
