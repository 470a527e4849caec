import Foundation
import JoinCore

/// Check 8: a valid join gets certificates that outside tools verify against the cluster's
/// CA, for the keys the client sent, and is audited as exactly one successful join event
/// (`instance.join` or `bot.join`; a method's own events, such as `bound_keypair.recovery`,
/// are its business).
enum ValidJoinCheck {
    static func run(_ subject: some ConformanceSubject) async -> ConformanceCheckResult {
        await withLab(subject, .validJoin) { lab in
            let join = try await subject.prepareValidJoin(in: lab.cluster)
            let eventsBefore = try await lab.joinEvents().count
            let outcome = await lab.run(ConformanceAttempt(join))
            guard let result = outcome.result, outcome.error == nil else {
                return failed("a valid join as \(join.role) did not succeed: \(outcome.summary)")
            }
            var problems: [String] = []
            if let proverError = outcome.proverError {
                problems.append("the prover could not take the result: \(describe(proverError))")
            }
            problems += IssuedCertificateCheck.problems(result, role: join.role, keys: outcome.keys,
                                                        authorities: lab.cluster.server.authorities, at: lab.clock.now,
                                                        scratch: lab.cluster.directory)
            problems += ConformanceLab.auditProblems(Array(try await lab.joinEvents().dropFirst(eventsBefore)),
                                                     expectedSuccesses: 1, expectedFailures: 0)
            guard problems.isEmpty else { return failed(problems.joined(separator: "; ")) }
            let ca = join.role == .bot ? "user CA" : "host CA"
            let rounds = outcome.challenges.isEmpty ? "no challenge" : "\(outcome.challenges.count) challenge round(s)"
            return ConformanceCheckResult(check: .validJoin, outcome: .passed, evidence:
                "joined as \(join.role) after \(rounds); openssl verify chains the TLS certificate to the \(ca) "
                    + "and ssh-keygen -L lists the SSH certificate signed by it, both for the client's keys; one successful join audited")
        }
    }

    private static func failed(_ reason: String) -> ConformanceCheckResult {
        ConformanceCheckResult(check: .validJoin, outcome: .failed(reason))
    }
}
