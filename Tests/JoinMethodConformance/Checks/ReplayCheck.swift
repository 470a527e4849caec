import Foundation
import JoinCore

/// Check 4: the solutions a client sent in a successful join, replayed byte for byte into a
/// new join with the same token, must not get it in. Right before the replay the same client
/// joins honestly once more with that token (whose solutions are the ones replayed), so the
/// token was usable and the refusal can only have been the replayed bytes'.
enum ReplayCheck {
    static func run(_ subject: some ConformanceSubject) async -> ConformanceCheckResult {
        await withLab(subject, .replayedSolution) { lab in
            let join = try await subject.prepareValidJoin(in: lab.cluster)
            let first = await lab.run(ConformanceAttempt(join))
            guard first.result != nil, first.proverError == nil else {
                return failed("a valid join, made to capture its solutions, did not succeed: \(first.summary)")
            }
            switch subject.traits.challenges {
            case .never(let defence):
                guard first.challenges.isEmpty else {
                    return failed("the subject declares that the method never challenges, but a valid join had \(first.challenges.count) challenge round(s)")
                }
                return ConformanceCheckResult(check: .replayedSolution, outcome: .notApplicable(
                    "the method sends no challenge, so there is no solution to replay; \(defence)"))
            case .everyJoin:
                guard !first.challenges.isEmpty else {
                    return failed("the subject declares a challenge in every join, but a valid join had none")
                }
            }

            let captured = await lab.run(ConformanceAttempt(join))
            guard captured.result != nil, captured.proverError == nil else {
                return failed("a second honest join by the same client with the same token did not succeed (\(captured.summary)); "
                    + "the replay check replays solutions against the token they were made for, so prepareValidJoin must "
                    + "return a token the same client can join with repeatedly")
            }
            var replay = ConformanceAttempt(join)
            replay.solutions = .replayed(captured.solutions)
            let observation = try await lab.observeRefusal(replay)
            guard observation.refused else {
                return failed("a join with the same token answering its challenge(s) with the \(captured.solutions.count) solution(s) "
                    + "captured from the join before: " + observation.problems.joined(separator: "; "))
            }
            return ConformanceCheckResult(check: .replayedSolution, outcome: .passed, evidence:
                "the \(captured.solutions.count) solution(s) of a valid join replayed in a new join with the same token (which had "
                    + "just admitted that client honestly): refused \(refusalText(observation)); backend unchanged; one failed join audited")
        }
    }

    private static func failed(_ reason: String) -> ConformanceCheckResult {
        ConformanceCheckResult(check: .replayedSolution, outcome: .failed(reason))
    }
}
