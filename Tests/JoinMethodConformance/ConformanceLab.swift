import Foundation
import JoinCore
import Server
import Synchronization
import TestSupport

/// One fresh cluster for one check: a ``TestCluster`` built from the subject, its
/// ``ManualClock``, and the observations every check makes (backend snapshots, join audit
/// events). Stopped (and its directory removed) when the check ends.
final class ConformanceLab: Sendable {
    let cluster: TestCluster
    let clock: ManualClock
    let methodName: String
    private let attempts = Mutex(0)

    /// The audit event types of join attempts; methods' own events (recoveries, locks) have others.
    static let joinEventTypes: Set<String> = ["instance.join", "bot.join"]

    private init(cluster: TestCluster, clock: ManualClock, methodName: String) {
        self.cluster = cluster
        self.clock = clock
        self.methodName = methodName
    }

    /// A cluster with the subject's registry and `auth_service` settings. Rate limits are
    /// raised so that a check's many attempts from 127.0.0.1 are judged by the method alone.
    static func make(for subject: some ConformanceSubject) async throws -> ConformanceLab {
        let clock = ManualClock(subject.clockStart)
        let settings = subject.authService
        // TestCluster sets `tokens` from its own argument; pass the subject's through it.
        let staticTokens: [String] = if case .array(let values)? = settings["tokens"] {
            values.compactMap(\.stringValue)
        } else {
            []
        }
        let cluster = try await TestCluster(
            registry: subject.registry, staticTokens: staticTokens, clock: clock,
            rateLimits: .init(averagePerSecond: 10_000, burst: 10_000), authService: settings)
        return ConformanceLab(cluster: cluster, clock: clock, methodName: subject.methodName)
    }

    func stop() async { await cluster.stop() }

    func snapshot() async throws -> BackendSnapshot { try await BackendSnapshot.take(of: cluster.backend) }

    /// Every join attempt's audit event so far, oldest first.
    func joinEvents() async throws -> [AuditEvent] {
        try await cluster.backend.auditEvents(limit: 100_000).filter { Self.joinEventTypes.contains($0.type) }
    }

    /// A distinct `ip:port` per attempt, so that nothing keyed by address links two attempts.
    func nextRemoteAddress() -> String {
        let number = attempts.withLock { $0 += 1; return $0 }
        return "127.0.\(number / 250 % 250).\(number % 250 + 1):\(40_000 + number % 20_000)"
    }
}

extension ConformanceLab {
    /// Runs `body` with a fresh lab and stops the lab whatever happens.
    static func with<T>(_ subject: some ConformanceSubject, _ body: (ConformanceLab) async throws -> T) async throws -> T {
        let lab = try await make(for: subject)
        do {
            let value = try await body(lab)
            await lab.stop()
            return value
        } catch {
            await lab.stop()
            throw error
        }
    }
}

/// Runs one check's `body`, turning an error it throws (a cluster that did not start, a
/// subject that could not prepare a token) into a failure saying the check could not run.
func runCheck(_ check: ConformanceCheck, _ body: () async throws -> ConformanceCheckResult) async -> ConformanceCheckResult {
    do {
        return try await body()
    } catch {
        return ConformanceCheckResult(check: check, outcome: .failed("could not run the check: \(describe(error))"))
    }
}

/// ``runCheck(_:_:)`` in one fresh lab.
func withLab(_ subject: some ConformanceSubject, _ check: ConformanceCheck,
             _ body: (ConformanceLab) async throws -> ConformanceCheckResult) async -> ConformanceCheckResult {
    await runCheck(check) { try await ConformanceLab.with(subject, body) }
}

/// `kind: message` for a ``JoinError``, the type and text otherwise.
func describe(_ error: any Error) -> String {
    if let error = error as? JoinError { return "\(error.kind.rawValue): \(error.message)" }
    return "\(type(of: error)): \(error)"
}
