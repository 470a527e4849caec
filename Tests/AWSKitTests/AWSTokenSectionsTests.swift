import AWSKit
import Foundation
import JoinCore
import XCTest
import Yams

/// The AWS methods' own token sections (`allow`, `aws_iid_ttl`): decoded from what the core
/// kept as written, with errors in the same words as a field the core decodes, and stored in
/// the same JSON shape as before the sections moved out of the core.
final class AWSTokenSectionsTests: XCTestCase {
    private func yaml(_ text: String) throws -> ProvisionToken.Spec {
        try YAMLDecoder().decode(ProvisionToken.self, from: text).spec
    }

    private func spec(allow: String) throws -> ProvisionToken.Spec {
        try yaml("metadata:\n  name: t\nspec:\n  roles: [node]\n  allow:\n\(allow)")
    }

    private func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return (error as? JoinError)?.message ?? "\(error)"
        }
    }

    func testTeleportAllowRulesDecode() throws {
        let rules = try spec(allow: """
                - aws_account: "123456789012"
                  aws_regions: [us-west-2, eu-west-1]
                  aws_role: "arn:aws:iam::123456789012:role/describe"
                - aws_account: "210987654321"
                  aws_arn: "arn:aws:sts::210987654321:assumed-role/joiner/*"

            """).awsAllowRules()
        XCTAssertEqual(rules, [
            AWSAllowRule(awsAccount: "123456789012", awsRegions: ["us-west-2", "eu-west-1"],
                         awsRole: "arn:aws:iam::123456789012:role/describe"),
            AWSAllowRule(awsAccount: "210987654321", awsARN: "arn:aws:sts::210987654321:assumed-role/joiner/*"),
        ])
    }

    func testUnquotedAccountIDIsItsDigits() throws {
        let rules = try spec(allow: "    - aws_account: 123456789012\n").awsAllowRules()
        XCTAssertEqual(rules.first?.awsAccount, "123456789012")
    }

    func testUnquotedAccountIDWithALeadingZeroKeepsItsText() throws {
        let rules = try spec(allow: "    - aws_account: 012345678901\n").awsAllowRules()
        XCTAssertEqual(rules.first?.awsAccount, "012345678901")
    }

    func testFractionalAccountIsNotText() throws {
        let spec = try spec(allow: "    - aws_account: 1.5\n")
        XCTAssertEqual(message { _ = try spec.awsAllowRules() }, "field \"spec.allow[0].aws_account\": expected a string")
    }

    func testUnknownRuleKeyIsNamedFromTheDocumentRoot() throws {
        let spec = try spec(allow: "    - aws_acount: \"123456789012\"\n")
        XCTAssertEqual(message { _ = try spec.awsAllowRules() }, "unknown field \"spec.allow[0].aws_acount\"")
    }

    func testWrongTypeIsNamedFromTheDocumentRoot() throws {
        let spec = try spec(allow: "    - aws_account: \"123456789012\"\n      aws_regions: us-west-2\n")
        XCTAssertEqual(message { _ = try spec.awsAllowRules() }, "field \"spec.allow[0].aws_regions\": expected a list")
    }

    func testAllowThatIsNotAListIsRefused() throws {
        let spec = try yaml("metadata: {name: t}\nspec:\n  roles: [node]\n  allow: {aws_account: \"123456789012\"}\n")
        XCTAssertEqual(message { _ = try spec.awsAllowRules() }, "field \"spec.allow\": expected a list")
    }

    func testNoAllowSectionIsNoRules() throws {
        XCTAssertEqual(try yaml("metadata: {name: t}\nspec:\n  roles: [node]\n").awsAllowRules(), [])
    }

    func testIdentityDocumentTTLFromTextAndFromGoNanoseconds() throws {
        XCTAssertEqual(try yaml("metadata: {name: t}\nspec:\n  roles: [node]\n  aws_iid_ttl: 10m\n").awsIdentityDocumentTTL(),
                       GoDuration(seconds: 600))
        let json = #"{"metadata":{"name":"t"},"spec":{"roles":["node"],"aws_iid_ttl":300000000000}}"#
        let spec = try JSONDecoder().decode(ProvisionToken.self, from: Data(json.utf8)).spec
        XCTAssertEqual(try spec.awsIdentityDocumentTTL(), GoDuration(seconds: 300))
    }

    func testMalformedTTLIsNamed() throws {
        let spec = try yaml("metadata: {name: t}\nspec:\n  roles: [node]\n  aws_iid_ttl: soon\n")
        let text = message { _ = try spec.awsIdentityDocumentTTL() } ?? ""
        XCTAssertTrue(text.hasPrefix("spec.aws_iid_ttl: ") && text.contains("soon"), text)
    }

    /// A token stored by an earlier Joinery (when `allow` and `aws_iid_ttl` were core fields)
    /// reads the same, and a token written now is stored in that same shape.
    func testStoredShapeIsUnchanged() throws {
        let stored = #"{"kind":"token","version":"v2","metadata":{"name":"ec2-fleet"},"spec":{"roles":["Node"],"join_method":"ec2","allow":[{"aws_account":"123456789012","aws_regions":["us-west-2"]}],"aws_iid_ttl":"5m0s"}}"#
        let token = try JSONDecoder().decode(ProvisionToken.self, from: Data(stored.utf8))
        XCTAssertEqual(try token.spec.awsAllowRules(), [AWSAllowRule(awsAccount: "123456789012", awsRegions: ["us-west-2"])])
        XCTAssertEqual(try token.spec.awsIdentityDocumentTTL(), GoDuration(seconds: 300))

        var written = ProvisionToken(name: "ec2-fleet", roles: [.node], joinMethod: "ec2")
        written.spec.setAWSAllowRules([AWSAllowRule(awsAccount: "123456789012", awsRegions: ["us-west-2"])])
        written.spec.setAWSIdentityDocumentTTL(GoDuration(seconds: 300))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let reference = try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? NSDictionary
        let now = try JSONSerialization.jsonObject(with: encoder.encode(written)) as? NSDictionary
        XCTAssertEqual(now, reference)
    }

    func testSettingNoRulesRemovesTheSection() {
        var spec = ProvisionToken.Spec(roles: [.node])
        spec.setAWSAllowRules([AWSAllowRule(awsAccount: "123456789012")])
        XCTAssertNotNil(spec.methodSections["allow"])
        spec.setAWSAllowRules([])
        XCTAssertNil(spec.methodSections["allow"])
    }
}
