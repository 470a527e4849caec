import Foundation

/// The behaviours every join method must show (DESIGN.md §4.4), run from each method's own
/// suite:
///
/// ```swift
/// func testConformsToTheJoinMethodContract() async {
///     assertConforms(await JoinMethodConformanceKit.run(MyMethodSubject()))
/// }
/// ```
///
/// Each check runs in a fresh in-process Auth server (``TestCluster``, SQLite) through the
/// real join pipeline, with the method's real prover, and either runs or reports why it does
/// not apply, in the subject's words; none is skipped silently. Every refused attempt must be
/// refused with a typed ``JoinError`` that is not an internal error, leave every backend item
/// (and its revision) as it was, and be audited as exactly one failed join.
public enum JoinMethodConformanceKit {
    /// Runs every ``ConformanceCheck`` against `subject`, one after another.
    public static func run(_ subject: some ConformanceSubject) async -> ConformanceReport {
        var results: [ConformanceCheckResult] = []
        for check in ConformanceCheck.allCases {
            results.append(await run(check, subject))
        }
        return ConformanceReport(methodName: subject.methodName, results: results)
    }

    private static func run(_ check: ConformanceCheck, _ subject: some ConformanceSubject) async -> ConformanceCheckResult {
        switch check {
        case .unknownToken: await TokenRefusalChecks.unknownToken(subject)
        case .expiredToken: await TokenRefusalChecks.expiredToken(subject)
        case .wrongRole: await TokenRefusalChecks.wrongRole(subject)
        case .replayedSolution: await ReplayCheck.run(subject)
        case .malformedPayloads: await MalformedPayloadCheck.run(subject)
        case .cancelledStream: await CancelledStreamCheck.run(subject)
        case .concurrentUse: await ConcurrentUseCheck.run(subject)
        case .validJoin: await ValidJoinCheck.run(subject)
        }
    }
}
