import Foundation
import JoinCore
import Server

/// Checks 1–3: a join naming a token that does not exist, one whose token has expired, and
/// one asking for a role the token does not allow are refused before the method proves
/// anything, change nothing, and are audited as one failure each.
enum TokenRefusalChecks {
    /// An unknown token name, with an otherwise valid client (a real token of the method exists
    /// in the cluster, so the refusal is not for want of any token).
    static func unknownToken(_ subject: some ConformanceSubject) async -> ConformanceCheckResult {
        await withLab(subject, .unknownToken) { lab in
            let join = try await subject.prepareValidJoin(in: lab.cluster)
            let observation = try await lab.observeRefusal(unknownTokenAttempt(join), expecting: .tokenExpiredOrNotFound)
            guard observation.refused else {
                return ConformanceCheckResult(check: .unknownToken, outcome: .failed(
                    "a join naming an unknown token: " + observation.problems.joined(separator: "; ")))
            }
            return ConformanceCheckResult(check: .unknownToken, outcome: .passed,
                                          evidence: "refused \(refusalText(observation)); backend unchanged; one failed join audited")
        }
    }

    /// An expired token must be refused exactly as an unknown one is, as the client sees it (same
    /// kind, same message), so that nobody can probe which names exist. The audit log, for the
    /// operator, may say more.
    static func expiredToken(_ subject: some ConformanceSubject) async -> ConformanceCheckResult {
        await withLab(subject, .expiredToken) { lab in
            let join: ConformanceJoin
            switch try await subject.prepareExpiredJoin(in: lab.cluster, clock: lab.clock) {
            case .notApplicable(let reason): return ConformanceCheckResult(check: .expiredToken, outcome: .notApplicable(reason))
            case .prepared(let prepared): join = prepared
            }
            let unknown = try await lab.observeRefusal(unknownTokenAttempt(join), expecting: .tokenExpiredOrNotFound)
            let expired = try await lab.observeRefusal(ConformanceAttempt(join), expecting: .tokenExpiredOrNotFound)
            var problems = expired.problems
            if expired.refused, unknown.refused {
                if unknown.error != expired.error {
                    problems.append("refused as \"\(refusalText(expired))\" but an unknown token as \"\(refusalText(unknown))\"")
                }
            }
            guard problems.isEmpty else {
                return ConformanceCheckResult(check: .expiredToken, outcome: .failed(
                    "a join with an expired token: " + problems.joined(separator: "; ")))
            }
            return ConformanceCheckResult(check: .expiredToken, outcome: .passed, evidence:
                "refused \(refusalText(expired)), exactly as an unknown token; backend unchanged; one failed join audited")
        }
    }

    /// A role the token does not allow: refused as the pipeline's role check refuses it.
    static func wrongRole(_ subject: some ConformanceSubject) async -> ConformanceCheckResult {
        await withLab(subject, .wrongRole) { lab in
            let join = try await subject.prepareValidJoin(in: lab.cluster)
            let refusedRole = subject.traits.refusedRole
            guard refusedRole != join.role else {
                return ConformanceCheckResult(check: .wrongRole, outcome: .failed(
                    "the subject's refusedRole \(refusedRole) is the role its valid joins ask for"))
            }
            var attempt = ConformanceAttempt(join)
            attempt.role = refusedRole
            let observation = try await lab.observeRefusal(attempt, expecting: RefusalExpectation(kinds: [.badParameter, .accessDenied]))
            guard observation.refused else {
                return ConformanceCheckResult(check: .wrongRole, outcome: .failed(
                    "a \(join.role) token used to join as \(refusedRole): " + observation.problems.joined(separator: "; ")))
            }
            return ConformanceCheckResult(check: .wrongRole, outcome: .passed, evidence:
                "a \(join.role) token asked for \(refusedRole): refused \(refusalText(observation)); backend unchanged; one failed join audited")
        }
    }

    /// `join` with its token name replaced by one that names nothing.
    private static func unknownTokenAttempt(_ join: ConformanceJoin) -> ConformanceAttempt {
        var attempt = ConformanceAttempt(join)
        attempt.tokenName = "conformance-unknown-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return attempt
    }
}

/// `kind "message"` of an observed refusal.
func refusalText(_ observation: RefusalObservation) -> String {
    guard let error = observation.error else { return observation.outcome.summary }
    return "\(error.kind.rawValue) \"\(error.message)\""
}
