import AWSKit
import CLIKit
import Foundation
import JoinCore
import XCTest
import Yams

/// Token files as Teleport's guides write them, through every built-in method at once: each
/// method's own sections are accepted, another method's are refused in words that name their
/// owner, and a section nobody owns is an unknown field.
final class BuiltInTokenSectionsTests: XCTestCase {
    private func validate(_ yaml: String) async throws -> ProvisionToken {
        let token = try YAMLDecoder().decode(ProvisionToken.self, from: yaml)
        return try await BuiltInJoinMethods.registry.makeMethods(context: PluginContext()).validate(token)
    }

    private func refusal(_ yaml: String) async -> String? {
        do {
            _ = try await validate(yaml)
            return nil
        } catch {
            return (error as? JoinError)?.message ?? DecodingErrorDescription.describe(error)
        }
    }

    /// Teleport's EC2 guide: no join_method, allow rules and aws_iid_ttl.
    func testTeleportEC2TokenFile() async throws {
        let token = try await validate("""
            kind: token
            version: v2
            metadata:
              name: ec2-token
            spec:
              roles: [Node]
              aws_iid_ttl: 5m
              allow:
              - aws_account: "111111111111"
            """)
        XCTAssertEqual(token.spec.joinMethod, "ec2")
        XCTAssertEqual(try token.spec.awsAllowRules(), [AWSAllowRule(awsAccount: "111111111111")])
        XCTAssertEqual(try token.spec.awsIdentityDocumentTTL(), GoDuration(seconds: 300))
    }

    /// Teleport's IAM guide.
    func testTeleportIAMTokenFile() async throws {
        let token = try await validate("""
            kind: token
            version: v2
            metadata:
              name: iam-token
            spec:
              roles: [Node]
              join_method: iam
              allow:
              - aws_account: "111111111111"
              - aws_arn: "arn:aws:sts::111111111111:assumed-role/teleport-node-role/i-*"
            """)
        XCTAssertEqual(try token.spec.awsAllowRules().count, 2)
        XCTAssertNil(token.spec.methodSections["aws_iid_ttl"], "iam tokens get no TTL default")
    }

    /// Teleport's bound-keypair guide, with every field written empty as `tctl` prints it.
    func testTeleportBoundKeypairTokenFile() async throws {
        let token = try await validate("""
            kind: token
            version: v2
            metadata:
              name: my-bot-token
            spec:
              bot_name: my-bot
              join_method: bound_keypair
              roles: [Bot]
              bound_keypair:
                onboarding:
                  initial_public_key: ""
                  registration_secret: ""
                  must_register_before: ""
                recovery:
                  limit: 1
                  mode: standard
                rotate_after: ""
            """)
        XCTAssertEqual(token.spec.methodSections["bound_keypair"]?["recovery"]?["mode"], .string("standard"))
    }

    func testAllowOnATokenTokenNamesItsOwners() async {
        let message = await refusal("""
            metadata: {name: t}
            spec:
              roles: [Node]
              join_method: token
              allow: [{aws_account: "111111111111"}]
            """)
        XCTAssertEqual(message, "spec.allow is not compatible with the \"token\" join method: it belongs to the \"ec2\" and \"iam\" "
            + "join methods; remove it, or set join_method to its method")
    }

    func testIdentityDocumentTTLOnAnIAMTokenIsEC2s() async {
        let message = await refusal("""
            metadata: {name: t}
            spec:
              roles: [Node]
              join_method: iam
              aws_iid_ttl: 5m
              allow: [{aws_account: "111111111111"}]
            """)
        XCTAssertEqual(message, "spec.aws_iid_ttl is not compatible with the \"iam\" join method: it belongs to the \"ec2\" "
            + "join method; remove it, or set join_method to its method")
    }

    func testBoundKeypairSectionOnAnEC2TokenIsRefused() async {
        let message = await refusal("""
            metadata: {name: t}
            spec:
              roles: [Node]
              allow: [{aws_account: "111111111111"}]
              bound_keypair: {recovery: {mode: standard}}
            """)
        XCTAssertEqual(message?.hasPrefix("spec.bound_keypair is not compatible with the \"ec2\" join method"), true, message ?? "")
    }

    func testSectionNoMethodOwnsIsAnUnknownField() async {
        let message = await refusal("metadata: {name: t}\nspec:\n  roles: [Node]\n  telepathy: {allow: []}\n")
        XCTAssertEqual(message, "unknown field \"spec.telepathy\"")
    }

    func testMisspeltRuleFieldIsNamed() async {
        let message = await refusal("metadata: {name: t}\nspec:\n  roles: [Node]\n  allow: [{aws_acount: \"111111111111\"}]\n")
        XCTAssertEqual(message, "unknown field \"spec.allow[0].aws_acount\"")
    }

    func testTokenWithEmptyAllowListIsATokenToken() async throws {
        let token = try await validate("metadata: {name: t}\nspec:\n  roles: [Node]\n  allow: []\n")
        XCTAssertEqual(token.spec.joinMethod, "token")
        XCTAssertTrue(token.spec.methodSections.isEmpty)
    }
}
