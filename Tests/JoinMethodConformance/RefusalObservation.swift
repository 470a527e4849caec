import Foundation
import JoinCore
import Server

/// What a refusal must look like: a typed ``JoinError`` that is not `internalError`, of one of
/// `kinds` (any kind when nil) and with exactly `message` when given.
struct RefusalExpectation: Sendable {
    var kinds: Set<JoinError.Kind>?
    var message: String?

    static let anyTypedError = RefusalExpectation(kinds: nil, message: nil)
    static let tokenExpiredOrNotFound = RefusalExpectation(
        kinds: [JoinError.tokenExpiredOrNotFound.kind], message: JoinError.tokenExpiredOrNotFound.message)
}

/// One attempt that should have been refused, and everything wrong with how it went: it
/// joined, it failed untyped or as an internal error, it changed the backend, it was not
/// audited as exactly one failed join.
struct RefusalObservation: Sendable {
    let outcome: ConformanceAttemptOutcome
    let problems: [String]

    var refused: Bool { problems.isEmpty }
    var error: JoinError? { outcome.joinError }
}

extension ConformanceLab {
    /// Runs `attempt` between two backend snapshots and two reads of the audit log.
    func observeRefusal(_ attempt: ConformanceAttempt, expecting expectation: RefusalExpectation = .anyTypedError) async throws -> RefusalObservation {
        let before = try await snapshot()
        let eventsBefore = try await joinEvents().count
        let outcome = await run(attempt)
        let changes = before.changes(to: try await snapshot())
        let events = Array(try await joinEvents().dropFirst(eventsBefore))

        var problems = Self.refusalProblems(outcome, expectation)
        if !changes.isEmpty { problems.append(changes.listing) }
        problems += Self.auditProblems(events, expectedSuccesses: 0, expectedFailures: 1)
        return RefusalObservation(outcome: outcome, problems: problems)
    }

    static func refusalProblems(_ outcome: ConformanceAttemptOutcome, _ expectation: RefusalExpectation) -> [String] {
        if let proverError = outcome.proverError { return ["the subject's prover failed: \(describe(proverError))"] }
        if let result = outcome.result { return ["it joined (host ID \(result.hostID.isEmpty ? "none" : result.hostID))"] }
        guard let raised = outcome.error else { return ["the pipeline returned neither a result nor an error"] }
        guard let error = raised as? JoinError else {
            return ["refused with an untyped \(type(of: raised)) instead of a JoinError: \(raised)"]
        }
        if error.kind == .internalError { return ["refused as an internal error: \(error.message)"] }
        var problems: [String] = []
        if let kinds = expectation.kinds, !kinds.contains(error.kind) {
            problems.append("refused as \(error.kind.rawValue) (\(error.message)), expected \(kinds.map(\.rawValue).sorted().joined(separator: " or "))")
        } else if let message = expectation.message, error.message != message {
            problems.append("refused with \"\(error.message)\", expected \"\(message)\"")
        }
        return problems
    }

    /// Problems with the join audit events one attempt (or one race) wrote.
    static func auditProblems(_ events: [AuditEvent], expectedSuccesses: Int, expectedFailures: Int) -> [String] {
        let successes = events.filter(\.success).count, failures = events.count - successes
        guard successes != expectedSuccesses || failures != expectedFailures else { return [] }
        return ["the audit log has \(successes) successful and \(failures) failed join events, "
            + "expected \(expectedSuccesses) and \(expectedFailures)"]
    }
}
