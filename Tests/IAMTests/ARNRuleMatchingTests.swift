import AWSKit
import Foundation
@testable import IAMJoin
import JoinCore
import XCTest

/// Spec §14 scenario 4 (Teleport's TestJoinIAM): which rules admit which verified identities.
final class ARNRuleMatchingTests: XCTestCase {
    static let userARN = "arn:aws:iam::123456789012:user/test-user"
    static let assumedARN = "arn:aws:sts::123456789012:assumed-role/test-role/i-1234567890"

    func testGlobTable() {
        let table: [(pattern: String, arn: String, matches: Bool)] = [
            ("arn:aws:iam::123456789012:user/test-user", Self.userARN, true),
            ("arn:aws:iam::123456789012:user/*", Self.userARN, true),
            ("arn:aws:iam::123456789012:user/test-use?", Self.userARN, true),
            ("arn:aws:iam::123456789012:user/????-user", Self.userARN, true),
            ("*", Self.userARN, true),
            ("arn:aws:sts::123456789012:assumed-role/test-role/*", Self.assumedARN, true),
            ("arn:aws:sts::*:assumed-role/*/*", Self.assumedARN, true),
            ("arn:aws:sts::123456789012:assumed-role/*-role/i-*", Self.assumedARN, true),
            ("arn:aws:sts::*", Self.assumedARN, true), // `*` spans `:` and `/`
            ("arn:aws:iam::123456789012:user/test-*-user", Self.userARN, false),
            ("arn:aws:iam::123456789012:user/test-use", Self.userARN, false), // anchored at the end
            ("iam::123456789012:user/test-user", Self.userARN, false),       // anchored at the start
            ("arn:aws:iam::123456789012:user/test-user?", Self.userARN, false),
            ("arn:aws:sts::123456789012:assumed-role/other-role/*", Self.assumedARN, false),
            ("arn:aws:iam::123456789012:user/test.user", "arn:aws:iam::123456789012:user/testXuser", false), // `.` is literal
            ("arn:aws:iam::123456789012:user/[t]est-user", Self.userARN, false),                          // `[` is literal
            ("arn:aws:iam::123456789012:user/(test-user)", Self.userARN, false),
            ("arn:aws:iam::123456789012:user/test-user|.*", Self.userARN, false),
        ]
        for row in table {
            XCTAssertEqual(Glob(row.pattern).matches(row.arn), row.matches, "\(row.pattern) vs \(row.arn)")
        }
    }

    func testPathologicalPatternFinishesQuickly() {
        let arn = String(repeating: "a", count: 2000)
        let pattern = String(repeating: "*a", count: 200) + "b"
        let start = Date()
        XCTAssertFalse(Glob(pattern).matches(arn))
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    /// Through the method, against a local STS answering with a fixed identity: the facts of
    /// an admitted attempt, or the refusal.
    private func outcome(arn: String, account: String = "123456789012", rules: [AWSAllowRule]) async throws -> Result<[String: String], JoinError> {
        let sts = try await FakeSTS(.identityJSON, account: account, arn: arn)
        let method = try IAMHarness.method(sts: sts.url)
        let exchange = ScriptedExchange { Data(try IAMHarness.signedRequest(challenge: $0)) }
        let attempt = IAMHarness.attempt(IAMHarness.token(allow: rules))
        let result: Result<[String: String], JoinError>
        do {
            _ = try await method.attest(attempt, over: exchange)
            result = .success(attempt.facts.all)
        } catch let error as JoinError {
            result = .failure(error)
        } catch {
            await sts.stop()
            throw error
        }
        await sts.stop()
        return result
    }

    func testRulesThroughTheMethod() async throws {
        let cases: [(String, [AWSAllowRule], String, Bool)] = [
            ("exact ARN", [AWSAllowRule(awsAccount: "123456789012", awsARN: Self.userARN)], Self.userARN, true),
            ("account only", [AWSAllowRule(awsAccount: "123456789012")], Self.userARN, true),
            ("wildcard *", [AWSAllowRule(awsARN: "arn:aws:iam::123456789012:user/*")], Self.userARN, true),
            ("wildcard ?", [AWSAllowRule(awsARN: "arn:aws:iam::123456789012:user/test-use?")], Self.userARN, true),
            ("assumed role wildcards", [AWSAllowRule(awsARN: "arn:aws:sts::*:assumed-role/test-role/*")], Self.assumedARN, true),
            ("second rule matches", [AWSAllowRule(awsAccount: "111111111111"), AWSAllowRule(awsARN: "arn:aws:iam::*:user/test-user")], Self.userARN, true),
            ("wrong wildcard", [AWSAllowRule(awsARN: "arn:aws:iam::123456789012:user/other-*")], Self.userARN, false),
            ("wrong account", [AWSAllowRule(awsAccount: "111111111111")], Self.userARN, false),
            ("right ARN, wrong account", [AWSAllowRule(awsAccount: "111111111111", awsARN: Self.userARN)], Self.userARN, false),
        ]
        for (name, rules, arn, admitted) in cases {
            let result = try await outcome(arn: arn, rules: rules)
            switch result {
            case .success(let facts):
                XCTAssertTrue(admitted, "\(name): admitted")
                XCTAssertEqual(facts["aws_arn"], arn, name)
            case .failure(let error):
                XCTAssertFalse(admitted, "\(name): \(error.message)")
                XCTAssertEqual(error.kind, .accessDenied, name)
                XCTAssertTrue(error.message.contains("instance \(arn) did not match any allow rules"), "\(name): \(error.message)")
            }
        }
    }
}
