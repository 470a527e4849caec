import Foundation
import XCTest

/// The behaviours every join method must show (DESIGN.md §4.4), in the order the kit runs them.
public enum ConformanceCheck: String, CaseIterable, Sendable {
    case unknownToken = "unknown token"
    case expiredToken = "expired token"
    case wrongRole = "wrong role"
    case replayedSolution = "replayed solution"
    case malformedPayloads = "truncated or oversized payload"
    case cancelledStream = "cancelled stream"
    case concurrentUse = "concurrent double use"
    case validJoin = "valid join"
}

/// How one check ended, and what it saw.
public struct ConformanceCheckResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case passed
        case failed(String)
        case notApplicable(String)
    }

    public let check: ConformanceCheck
    public let outcome: Outcome
    /// For a pass, what the check exercised (so a reader sees it was not hollow).
    public let evidence: String

    public init(check: ConformanceCheck, outcome: Outcome, evidence: String = "") {
        self.check = check
        self.outcome = outcome
        self.evidence = evidence
    }

    /// `PASS  <check>: <evidence>`, `FAIL  <check>: <reason>` or `N/A   <check>: <reason>`, on one line.
    public var line: String {
        switch outcome {
        case .passed: "PASS  \(check.rawValue): \(Self.oneLine(evidence))"
        case .failed(let reason): "FAIL  \(check.rawValue): \(Self.oneLine(reason))"
        case .notApplicable(let reason): "N/A   \(check.rawValue): not applicable: \(Self.oneLine(reason))"
        }
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}

/// Every check's result for one method, as ``JoinMethodConformanceKit/run(_:)`` returns it.
public struct ConformanceReport: Sendable, CustomStringConvertible {
    public let methodName: String
    public let results: [ConformanceCheckResult]

    public init(methodName: String, results: [ConformanceCheckResult]) {
        self.methodName = methodName
        self.results = results
    }

    public func outcome(of check: ConformanceCheck) -> ConformanceCheckResult.Outcome? {
        results.first { $0.check == check }?.outcome
    }

    /// The checks that failed, in run order.
    public var failedChecks: [ConformanceCheck] {
        results.compactMap { if case .failed = $0.outcome { $0.check } else { nil } }
    }

    /// The checks that did not apply, in run order.
    public var notApplicableChecks: [ConformanceCheck] {
        results.compactMap { if case .notApplicable = $0.outcome { $0.check } else { nil } }
    }

    public var passed: Bool { failedChecks.isEmpty }

    /// A heading, then one line per check.
    public var description: String {
        let passes = results.filter { $0.outcome == .passed }.count
        let heading = "join method \(methodName) conformance: \(passes) passed, \(failedChecks.count) failed, "
            + "\(notApplicableChecks.count) not applicable"
        return ([heading] + results.map(\.line)).joined(separator: "\n")
    }
}

/// Fails the calling test, with the whole report, when any check failed.
public func assertConforms(_ report: ConformanceReport, file: StaticString = #filePath, line: UInt = #line) {
    if !report.passed {
        XCTFail("join method \(report.methodName) does not conform:\n\(report)", file: file, line: line)
    }
}
