@testable import IAMJoin
import AWSKit
import JoinCore
import XCTest

/// Spec §1.3, the `iam` rules.
final class IAMTokenRulesTests: XCTestCase {
    private func validate(_ rules: [AWSAllowRule], roles: [SystemRole] = [.node]) throws -> ProvisionToken {
        try IAMTokenRules.validate(IAMHarness.token(roles: roles, allow: rules))
    }

    private func assertRejected(_ rules: [AWSAllowRule], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try validate(rules), file: file, line: line) { error in
            XCTAssertEqual((error as? JoinError)?.kind, .badParameter, file: file, line: line)
            XCTAssertTrue("\(error)".contains(expected), "\(error)", file: file, line: line)
        }
    }

    func testAllowRulesAreRequired() { assertRejected([], "requires defined token allow rules") }
    func testAWSRoleIsRejected() { assertRejected([AWSAllowRule(awsAccount: "123456789012", awsRole: "arn:aws:iam::1:role/r")], "does not support aws_role") }
    func testAWSRegionsIsRejected() { assertRejected([AWSAllowRule(awsAccount: "123456789012", awsRegions: ["us-east-1"])], "does not support aws_regions") }
    func testRuleNeedsAccountOrARN() { assertRejected([AWSAllowRule(awsAccount: "123456789012"), AWSAllowRule()], "spec.allow[1]: allow rule for \"iam\" join method must include aws_account or aws_arn") }

    func testAccountOrARNRulesAndBotsAreAccepted() throws {
        XCTAssertNoThrow(try validate([AWSAllowRule(awsAccount: "123456789012")]))
        XCTAssertNoThrow(try validate([AWSAllowRule(awsARN: "arn:aws:sts::*:assumed-role/ci/*")]))
        var bot = IAMHarness.token(roles: [.bot], allow: [AWSAllowRule(awsAccount: "123456789012")])
        bot.spec.botName = "ci"
        XCTAssertNoThrow(try IAMTokenRules.validate(bot))
    }

    func testTheRegisteredPluginValidatesThroughTheMethodSet() async throws {
        let methods = try JoinMethodRegistry(plugins: [.iam]).makeMethods(context: PluginContext())
        do {
            _ = try await methods.validate(IAMHarness.token(allow: []))
            XCTFail("a token without allow rules was accepted")
        } catch {}
        _ = try await methods.validate(IAMHarness.token(allow: [AWSAllowRule(awsAccount: "123456789012")]))
    }

    func testAuthServiceAWSSectionIsStrict() {
        XCTAssertThrowsError(try IAMJoinMethod(context: PluginContext(authService: .object(["aws": .object(["fisp": .bool(true)])])))) {
            XCTAssertTrue("\($0)".contains("unknown field \"auth_service.aws.fisp\""), "\($0)")
        }
        XCTAssertThrowsError(try IAMJoinMethod(context: PluginContext(authService: .object(["aws": .object(["fips": .string("yes")])]))))
        XCTAssertNoThrow(try IAMJoinMethod(context: PluginContext(authService: .object(["aws": .object(["fips": .bool(true)])]))))
    }
}
