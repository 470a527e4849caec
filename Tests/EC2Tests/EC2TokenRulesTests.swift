import AWSKit
import EC2Join
import Foundation
import JoinCore
import TokenJoin
import XCTest

/// The `ec2` token rules of spec §1.3, through the method the built-in plugin makes (the path
/// `tctl create` and config loading take), and the `auth_service.aws` settings it reads.
final class EC2TokenRulesTests: XCTestCase {
    private var method: (any JoinMethod)!

    override func setUp() async throws {
        method = try JoinMethodPlugin.ec2.makeMethod(PluginContext(clock: ManualClock()))
    }

    private func token(roles: [SystemRole] = [.node], allow rules: [AWSAllowRule], ttl: GoDuration? = nil) -> ProvisionToken {
        var token = EC2MethodHarness.token(roles: roles, allow: rules)
        token.spec.setAWSIdentityDocumentTTL(ttl)
        return token
    }

    private func assertRejected(_ token: ProvisionToken, containing expected: String,
                                file: StaticString = #filePath, line: UInt = #line) async {
        await assertJoinError(.badParameter, containing: expected, file: file, line: line) {
            _ = try await method.validate(token)
        }
    }

    // MARK: Allow rules

    func testTokenWithoutAllowRulesIsRejected() async {
        await assertRejected(token(allow: []), containing: "requires defined token allow rules")
    }

    func testRuleWithAWSARNIsRejected() async {
        await assertRejected(token(allow: [AWSAllowRule(awsAccount: "123456789012", awsARN: "arn:aws:iam::123456789012:role/x")]),
                       containing: "does not support aws_arn")
    }

    func testRuleWithNeitherAccountNorRoleIsRejected() async {
        await assertRejected(token(allow: [AWSAllowRule(awsAccount: "123456789012"), AWSAllowRule(awsRegions: ["us-west-2"])]),
                       containing: "spec.allow[1]: allow rule for \"ec2\" join method must include aws_account or aws_role")
    }

    func testMalformedAccountIsRejected() async {
        await assertRejected(token(allow: [AWSAllowRule(awsAccount: "12345")]), containing: "\"12345\" is not a 12-digit AWS account ID")
    }

    func testRuleWithOnlyARoleIsAccepted() async throws {
        let rule = AWSAllowRule(awsRole: "arn:aws:iam::222222222222:role/joinery")
        let validated = try await method.validate(token(allow: [rule]))
        XCTAssertEqual(try validated.spec.awsAllowRules(), [rule])
    }

    func testBotRoleIsRefused() async {
        var bot = token(roles: [.bot], allow: [AWSAllowRule(awsAccount: "123456789012")])
        bot.spec.botName = "robot"
        await assertRejected(bot, containing: "cannot be used by bots")
    }

    // MARK: aws_iid_ttl

    func testIIDTTLDefaultsToFiveMinutesWhenAbsent() async throws {
        let validated = try await method.validate(token(allow: [AWSAllowRule(awsAccount: "123456789012")]))
        XCTAssertEqual(try validated.spec.awsIdentityDocumentTTL()?.description, "5m0s")
    }

    func testIIDTTLOfZeroDefaultsToFiveMinutes() async throws {
        let validated = try await method.validate(token(allow: [AWSAllowRule(awsAccount: "123456789012")], ttl: GoDuration(seconds: 0)))
        XCTAssertEqual(try validated.spec.awsIdentityDocumentTTL()?.description, "5m0s")
    }

    func testIIDTTLThatIsSetIsKept() async throws {
        let validated = try await method.validate(token(allow: [AWSAllowRule(awsAccount: "123456789012")], ttl: try GoDuration(parsing: "10m")))
        XCTAssertEqual(try validated.spec.awsIdentityDocumentTTL()?.description, "10m0s")
    }

    // MARK: Method defaulting through the set

    func testTokenWithAllowRulesAndNoMethodDefaultsToEC2() async throws {
        let set = try JoinMethodRegistry(plugins: [.ec2, .storedTokens]).makeMethods(context: PluginContext(clock: ManualClock()))
        var token = ProvisionToken(name: "fleet", roles: [.node])
        token.spec.setAWSAllowRules([AWSAllowRule(awsAccount: "123456789012")])
        let validated = try await set.validate(token)
        XCTAssertEqual(validated.spec.joinMethod, "ec2")
        XCTAssertEqual(try validated.spec.awsIdentityDocumentTTL()?.description, "5m0s", "the ec2 rules ran after defaulting")
    }

    func testTokenDefaultedToEC2IsHeldToTheEC2Rules() async throws {
        let set = try JoinMethodRegistry(plugins: [.ec2, .storedTokens]).makeMethods(context: PluginContext(clock: ManualClock()))
        var token = ProvisionToken(name: "fleet", roles: [.node])
        token.spec.setAWSAllowRules([AWSAllowRule(awsARN: "arn:aws:iam::123456789012:role/x")])
        await assertJoinError(.badParameter, containing: "does not support aws_arn") { _ = try await set.validate(token) }
    }

    // MARK: auth_service.aws

    func testUnknownKeyUnderAuthServiceAWSIsRejectedNamingIt() {
        let authService: JSONValue = .object(["aws": .object(["ec2_certificate_dir": .string("/tmp")])])
        assertJoinError(.badParameter, containing: "auth_service.aws.ec2_certificate_dir") {
            _ = try JoinMethodPlugin.ec2.makeMethod(PluginContext(authService: authService))
        }
    }

    func testRelativeCertificatesDirectoryIsRejected() {
        let authService: JSONValue = .object(["aws": .object(["ec2_certificates_dir": .string("certs/aws")])])
        assertJoinError(.badParameter, containing: "ec2_certificates_dir must be an absolute path") {
            _ = try JoinMethodPlugin.ec2.makeMethod(PluginContext(authService: authService))
        }
    }
}

/// Account IDs are twelve ASCII digits; other Unicode digits are not accepted.
final class EC2AccountDigitsTests: XCTestCase {
    func testNonASCIIDigitsInAnAccountAreRejected() async throws {
        let method = try JoinMethodPlugin.ec2.makeMethod(PluginContext())
        for account in ["١٢٣٤٥٦٧٨٩٠١٢", "12345678901½"] {
            var token = ProvisionToken(name: "ec2-token", roles: [.node], joinMethod: "ec2")
            token.spec.setAWSAllowRules([AWSAllowRule(awsAccount: account)])
            do {
                _ = try await method.validate(token)
                XCTFail("accepted \(account)")
            } catch {
                XCTAssertTrue((error as? JoinError)?.message.contains("12-digit AWS account ID") == true, "\(error)")
            }
        }
    }
}
