import Foundation
import JoinCore

/// Check 4: the solutions a client sent in one successful join, replayed byte for byte into
/// another join, must not get it in. The replay goes into an attempt that is otherwise valid (a
/// token the subject prepared, its prover's own initial payload), and an honest client then
/// joins with that same token, so the refusal can only have been the replayed bytes'.
enum ReplayCheck {
    static func run(_ subject: some ConformanceSubject) async -> ConformanceCheckResult {
        await withLab(subject, .replayedSolution) { lab in
            let captured = await lab.run(ConformanceAttempt(try await subject.prepareValidJoin(in: lab.cluster)))
            guard captured.result != nil, captured.proverError == nil else {
                return failed("a valid join, made to capture its solutions, did not succeed: \(captured.summary)")
            }
            switch subject.traits.challenges {
            case .never(let defence):
                guard captured.challenges.isEmpty else {
                    return failed("the subject declares that the method never challenges, but a valid join had \(captured.challenges.count) challenge round(s)")
                }
                return ConformanceCheckResult(check: .replayedSolution, outcome: .notApplicable(
                    "the method sends no challenge, so there is no solution to replay; \(defence)"))
            case .everyJoin:
                guard !captured.challenges.isEmpty else {
                    return failed("the subject declares a challenge in every join, but a valid join had none")
                }
            }

            let target = try await subject.prepareValidJoin(in: lab.cluster)
            var replay = ConformanceAttempt(target)
            replay.solutions = .replayed(captured.solutions)
            let observation = try await lab.observeRefusal(replay)
            guard observation.refused else {
                return failed("a join answering its challenge(s) with the \(captured.solutions.count) solution(s) captured from an earlier join: "
                    + observation.problems.joined(separator: "; "))
            }
            let control = await lab.run(ConformanceAttempt(target))
            guard control.result != nil, control.proverError == nil else {
                return failed("the replay was refused (\(refusalText(observation))), but so was an honest join with the same token afterwards "
                    + "(\(control.summary)), so the refusal cannot be credited to the replayed solution")
            }
            return ConformanceCheckResult(check: .replayedSolution, outcome: .passed, evidence:
                "\(captured.solutions.count) solution(s) captured from a valid join and replayed into a new one: refused \(refusalText(observation)); "
                    + "backend unchanged; one failed join audited; the same token then admitted an honest client")
        }
    }

    private static func failed(_ reason: String) -> ConformanceCheckResult {
        ConformanceCheckResult(check: .replayedSolution, outcome: .failed(reason))
    }
}
