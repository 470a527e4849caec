import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport

/// How long the Auth server takes to refuse a guessed token name, by what the name really is:
/// unknown, an expired token, an expired token the backend still holds (the lookup once
/// deleted those on the response path), or a live token of another join method. Every class
/// gets the same answer, `token expired or not found`; if their latencies differ, the clock
/// tells a prober which names exist.
///
/// The pipeline is driven in-process (no TLS, no network), which leaves the server's own work
/// as the only difference between classes: the most sensitive view a prober could hope for.
/// Classes are interleaved in a shuffled order each round so drift (SQLite growth, caches)
/// falls on all of them alike. All probes ask for the same method and use 32-character names.
struct TokenProbeTiming {
    enum Probe: String, CaseIterable {
        case unknown = "unknown name"
        case expired = "expired token"
        case expiredStillStored = "expired token, still stored"
        case otherMethod = "live token, other method"
    }

    var attempts: Int
    var latencies: [(Probe, LatencySummary)]
    /// Any answer that was not `token expired or not found`, which would be a leak by itself.
    var unexpectedAnswers: [String]

    static func run(attempts: Int) async throws -> TokenProbeTiming {
        let clock = ManualClock(Date())
        let cluster = try await TestCluster(
            registry: JoinMethodRegistry(plugins: [.staticTokens, .storedTokens]), clock: clock,
            rateLimits: .init(averagePerSecond: 1_000_000, burst: 1_000_000, maximumConcurrent: 1_000_000))
        defer { Task { await cluster.stop() } }

        func name(_ prefix: String, _ index: Int) -> String {
            let digits = String(index)
            return prefix + String(repeating: "0", count: 32 - prefix.count - digits.count) + digits
        }
        let liveToken = name("live", 0)
        try await cluster.addToken(liveToken, roles: [.node], ttl: 86_400 * 30)
        // Each expired token is refused once before it is deleted, so every attempt gets its own.
        for index in 0..<(attempts + warmUpRounds) {
            try await cluster.addToken(name("expired", index), roles: [.node], ttl: 60)
            // Stored without a backend expiry, so the backend still returns it and only the
            // token's own `expires` says it is expired.
            let stale = ProvisionToken(name: name("stale", index), roles: [.node], joinMethod: "token",
                                       expires: clock.now.addingTimeInterval(60))
            _ = try await cluster.backend.put("/tokens/" + stale.metadata.name, value: try JSONEncoder().encode(stale), expires: nil)
        }
        clock.advance(by: 120)

        let pipeline = cluster.server.joinPipeline
        var samples: [Probe: [Double]] = [:]
        var unexpected: [String] = []
        for round in 0..<(attempts + warmUpRounds) {
            for probe in Probe.allCases.shuffled() {
                let token = switch probe {
                case .unknown: name("unknown", round)
                case .expired: name("expired", round)
                case .expiredStillStored: name("stale", round)
                case .otherMethod: liveToken
                }
                let stream = InMemoryJoinStream([InMemoryJoinStream.clientInit(token: token, method: "iam")])
                let start = ContinuousClock.now
                do {
                    try await pipeline.run(stream, remoteAddress: "198.51.100.7:40000")
                    unexpected.append("\(probe.rawValue): joined")
                } catch let error as JoinError where error == .tokenExpiredOrNotFound {
                } catch {
                    unexpected.append("\(probe.rawValue): \(error)")
                }
                let elapsed = (ContinuousClock.now - start).seconds
                if round >= warmUpRounds { samples[probe, default: []].append(elapsed) }
            }
        }
        return TokenProbeTiming(
            attempts: attempts,
            latencies: Probe.allCases.map { ($0, LatencySummary(seconds: samples[$0] ?? [])) },
            unexpectedAnswers: unexpected)
    }

    private static let warmUpRounds = 50

    /// The markdown section `joinery-bench token-probe-timing` prints.
    func printReport() {
        print("## Token probe timing (\(attempts) refusals per class, in-process pipeline, SQLite)")
        print("")
        print("| probe | p50 µs | p90 µs | p99 µs | mean µs |")
        print("|---|---|---|---|---|")
        for (probe, summary) in latencies {
            print(String(format: "| %@ | %.0f | %.0f | %.0f | %.0f |", probe.rawValue, summary.p50 * 1000,
                         summary.p90 * 1000, summary.p99 * 1000, summary.mean * 1000))
        }
        for answer in unexpectedAnswers.prefix(5) { print("unexpected answer: \(answer)") }
    }
}
