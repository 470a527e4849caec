import Foundation
import JoinCore
import Synchronization

/// How one join attempt ended, as the client saw it.
///
/// The distinction that matters after a crash: only an ``unanswered`` attempt can have changed
/// the cluster's state without the client knowing — the Auth server may have committed it and
/// died, or died before its answer arrived. A refusal or a deferral is an answer, and the
/// server commits nothing before it answers "no".
enum AttemptOutcome<Value: Sendable>: Sendable {
    /// The attempt returned certificates.
    case certificates(Value)
    /// The Auth server said no, and will say it again (a used token, a lock, a mismatch).
    case refused(JoinError)
    /// The Auth server said "not now" (a lost compare-and-swap, a rate limit).
    case deferred(JoinError)
    /// No answer: the connection could not be made or broke, the server failed, or the attempt
    /// timed out.
    case unanswered(String)
}

/// Runs storm attempts: bounded in time, counted while in flight, sorted into outcomes.
final class StormAttempts: Sendable {
    /// The longest one attempt may take before it counts as unanswered.
    static let attemptTimeout: Duration = .seconds(20)

    private let running = Atomic<Int>(0)
    private let unansweredCount = Atomic<Int>(0)
    private let over = Atomic<Bool>(false)
    private let aborted = Atomic<Bool>(false)
    /// No attempt starts after this.
    let deadline: ContinuousClock.Instant

    init(deadline: ContinuousClock.Instant) {
        self.deadline = deadline
    }

    /// Attempts in flight right now.
    var inFlight: Int { running.load(ordering: .relaxed) }
    var unanswered: Int { unansweredCount.load(ordering: .relaxed) }
    /// Whether the crashes are over (the clients then finish what they are doing).
    var stormIsOver: Bool { over.load(ordering: .relaxed) }
    /// Whether clients must stop: the deadline passed, or the test gave up.
    var mustStop: Bool { aborted.load(ordering: .relaxed) || ContinuousClock.now >= deadline }

    func endStorm() { over.store(true, ordering: .relaxed) }
    func abort() { aborted.store(true, ordering: .relaxed) }

    func run<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) async -> AttemptOutcome<Value> {
        running.add(1, ordering: .relaxed)
        defer { running.subtract(1, ordering: .relaxed) }
        let outcome: AttemptOutcome<Value>
        do {
            outcome = .certificates(try await Self.withTimeout(Self.attemptTimeout, body))
        } catch let error as JoinError {
            switch error.kind {
            case .unavailable, .internalError: outcome = .unanswered(error.message)
            case .compareFailed, .limitExceeded: outcome = .deferred(error)
            default: outcome = .refused(error)
            }
        } catch {
            outcome = .unanswered(String(describing: error))
        }
        if case .unanswered = outcome { unansweredCount.add(1, ordering: .relaxed) }
        return outcome
    }

    private struct TimedOut: Error, CustomStringConvertible {
        var description: String { "the attempt timed out" }
    }

    private static func withTimeout<Value: Sendable>(
        _ limit: Duration, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimedOut() }
            return value
        }
    }
}
