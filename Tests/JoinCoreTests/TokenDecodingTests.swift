import Foundation
import JoinCore
import XCTest
import Yams

/// Tokens as `tctl create -f` reads them (spec §1.1, §1.2), in YAML and JSON.
final class TokenDecodingTests: XCTestCase {
    /// 2026-01-02T15:04:05Z.
    private let referenceInstant = Date(timeIntervalSince1970: 1_767_366_245)

    private func yaml(_ text: String) throws -> ProvisionToken {
        try YAMLDecoder().decode(ProvisionToken.self, from: text)
    }

    private func json(_ text: String) throws -> ProvisionToken {
        try JSONDecoder().decode(ProvisionToken.self, from: Data(text.utf8))
    }

    /// The one-line description of a decoding failure, or nil if decoding succeeded.
    private func failure(_ body: () throws -> ProvisionToken) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return DecodingErrorDescription.describe(error)
        }
    }

    private func minimalYAML(expires: String) -> String {
        "kind: token\nversion: v2\nmetadata:\n  name: t\n  expires: \"\(expires)\"\nspec:\n  roles: [node]\n"
    }

    private let everyFieldYAML = """
        kind: token
        version: v2
        sub_kind: ""
        metadata:
          name: ec2-token
          expires: "2026-01-02T15:04:05Z"
          labels:
            env: prod
            team: infra
          description: Joins the prod fleet
          revision: 5d1c4c8e
          namespace: default
        spec:
          roles: [Node, App]
          join_method: ec2
          allow:
            - aws_account: "123456789012"
              aws_regions: [us-west-2, eu-west-1]
              aws_role: "arn:aws:iam::123456789012:role/describe"
            - aws_account: "210987654321"
              aws_arn: "arn:aws:sts::210987654321:assumed-role/joiner/*"
          aws_iid_ttl: 10m
          suggested_labels:
            region: west
          suggested_agent_matcher_labels:
            "*": "*"
          bound_keypair:
            recovery:
              mode: standard
        status:
          bound_keypair:
            recovery_count: 1
        """

    // MARK: Every field

    func testEnvelopeFieldsAreDecoded() throws {
        let token = try yaml(everyFieldYAML)
        XCTAssertEqual(token.kind, "token")
        XCTAssertEqual(token.version, "v2")
        XCTAssertEqual(token.subKind, "")
        XCTAssertEqual(token.metadata.name, "ec2-token")
        XCTAssertEqual(token.metadata.expires, referenceInstant)
        XCTAssertEqual(token.metadata.labels, ["env": "prod", "team": "infra"])
        XCTAssertEqual(token.metadata.description, "Joins the prod fleet")
        XCTAssertEqual(token.status?["bound_keypair"]?["recovery_count"], .number(1))
    }

    func testSpecFieldsAreDecoded() throws {
        let spec = try yaml(everyFieldYAML).spec
        XCTAssertEqual(spec.roles, [.node, .app])
        XCTAssertEqual(spec.joinMethod, "ec2")
        XCTAssertEqual(spec.suggestedLabels, .object(["region": .string("west")]))
        XCTAssertEqual(spec.suggestedAgentMatcherLabels, .object(["*": .string("*")]))
        XCTAssertEqual(Set(spec.methodSections.keys), ["allow", "aws_iid_ttl", "bound_keypair"])
        XCTAssertEqual(spec.methodSections["bound_keypair"], .object(["recovery": .object(["mode": .string("standard")])]))
        XCTAssertEqual(spec.methodSections["aws_iid_ttl"], .string("10m"))
        XCTAssertEqual(spec.botName, "")
    }

    /// The AWS methods' `allow` is theirs to decode (AWSKitTests); the core keeps it as written.
    func testAllowRulesAreKeptAsWritten() throws {
        let allow = try yaml(everyFieldYAML).spec.methodSections["allow"]
        XCTAssertEqual(allow, .array([
            .object(["aws_account": .string("123456789012"), "aws_regions": .array([.string("us-west-2"), .string("eu-west-1")]),
                     "aws_role": .string("arn:aws:iam::123456789012:role/describe")]),
            .object(["aws_account": .string("210987654321"), "aws_arn": .string("arn:aws:sts::210987654321:assumed-role/joiner/*")]),
        ]))
    }

    /// YAML scalars that only look like numbers stay the text that was written.
    func testSectionScalarsKeepTheirText() throws {
        let spec = try yaml("""
            metadata: {name: t}
            spec:
              roles: [node]
              x: {leading_zero: 0123, exponent: 12e45, long: 12345678901234567890, plain: 42, fraction: 1.5, flag: true}
            """).spec
        XCTAssertEqual(spec.methodSections["x"], .object([
            "leading_zero": .string("0123"), "exponent": .string("12e45"), "long": .string("12345678901234567890"),
            "plain": .number(42), "fraction": .number(1.5), "flag": .bool(true),
        ]))
    }

    func testNullSectionIsAbsent() throws {
        let spec = try yaml("metadata: {name: t}\nspec:\n  roles: [node]\n  allow: null\n").spec
        XCTAssertTrue(spec.methodSections.isEmpty)
    }

    func testBotNameIsDecoded() throws {
        let token = try json(#"{"metadata":{"name":"b"},"spec":{"roles":["bot"],"bot_name":"robot"}}"#)
        XCTAssertEqual(token.spec.roles, [.bot])
        XCTAssertEqual(token.spec.botName, "robot")
    }

    func testMissingKindAndVersionDefault() throws {
        let token = try json(#"{"metadata":{"name":"t"},"spec":{"roles":["node"]}}"#)
        XCTAssertEqual(token.kind, "token")
        XCTAssertEqual(token.version, "v2")
        XCTAssertEqual(token.spec.joinMethod, "")
        XCTAssertNil(token.metadata.expires)
    }

    func testJSONDocumentDecodesLikeYAML() throws {
        let fromJSON = try json("""
            {"kind":"token","version":"v2","metadata":{"name":"ec2-token","expires":"2026-01-02T15:04:05Z",
             "labels":{"env":"prod"}},"spec":{"roles":["Node"],"join_method":"ec2",
             "allow":[{"aws_account":"123456789012","aws_regions":["us-west-2"]}],"aws_iid_ttl":"5m"}}
            """)
        let fromYAML = try yaml("""
            kind: token
            version: v2
            metadata:
              name: ec2-token
              expires: "2026-01-02T15:04:05Z"
              labels: {env: prod}
            spec:
              roles: [Node]
              join_method: ec2
              allow: [{aws_account: "123456789012", aws_regions: [us-west-2]}]
              aws_iid_ttl: 5m
            """)
        XCTAssertEqual(fromJSON, fromYAML)
    }

    // MARK: expires

    func testExpiresWithoutFractionalSeconds() throws {
        XCTAssertEqual(try yaml(minimalYAML(expires: "2026-01-02T15:04:05Z")).metadata.expires, referenceInstant)
    }

    func testExpiresWithMilliseconds() throws {
        let expires = try XCTUnwrap(yaml(minimalYAML(expires: "2026-01-02T15:04:05.250Z")).metadata.expires)
        XCTAssertEqual(expires.timeIntervalSince1970, referenceInstant.timeIntervalSince1970 + 0.25, accuracy: 0.0005)
    }

    func testExpiresWithGoNanoseconds() throws {
        let expires = try XCTUnwrap(yaml(minimalYAML(expires: "2026-01-02T15:04:05.123456789Z")).metadata.expires)
        XCTAssertEqual(expires.timeIntervalSince1970, referenceInstant.timeIntervalSince1970 + 0.123, accuracy: 0.001)
    }

    func testExpiresWithOffset() throws {
        XCTAssertEqual(try yaml(minimalYAML(expires: "2026-01-02T17:04:05+02:00")).metadata.expires, referenceInstant)
    }

    func testExpiresWithNanosecondsAndOffset() throws {
        let expires = try XCTUnwrap(yaml(minimalYAML(expires: "2026-01-02T08:04:05.500000000-07:00")).metadata.expires)
        XCTAssertEqual(expires.timeIntervalSince1970, referenceInstant.timeIntervalSince1970 + 0.5, accuracy: 0.001)
    }

    func testUnixEpochExpiresMeansNever() throws {
        XCTAssertNil(try yaml(minimalYAML(expires: "1970-01-01T00:00:00Z")).metadata.expires)
    }

    func testMalformedExpiresIsRejectedNamingTheField() {
        let message = failure { try self.yaml(self.minimalYAML(expires: "next tuesday")) } ?? ""
        XCTAssertTrue(message.contains("metadata.expires"), message)
        XCTAssertTrue(message.contains("is not an RFC 3339 time"), message)
    }

    // MARK: Unknown keys

    func testUnknownTopLevelKeyIsRejected() {
        let message = failure { try self.json(#"{"metadata":{"name":"t"},"spec":{"roles":["node"]},"specs":{}}"#) }
        XCTAssertEqual(message, "unknown field \"specs\"")
    }

    func testUnknownMetadataKeyIsRejected() {
        let message = failure { try self.yaml("metadata:\n  name: t\n  label: {a: b}\nspec:\n  roles: [node]\n") }
        XCTAssertEqual(message, "unknown field \"metadata.label\"")
    }

    func testUnknownSpecKeyIsKeptForValidation() throws {
        let token = try yaml("metadata:\n  name: t\nspec:\n  roles: [node]\n  join_metod: iam\n")
        XCTAssertEqual(token.spec.methodSections["join_metod"], .string("iam"))
        XCTAssertEqual(token.spec.joinMethod, "")
    }

    func testMissingMetadataIsRejected() {
        XCTAssertEqual(failure { try self.json(#"{"spec":{"roles":["node"]}}"#) }, "missing field \"metadata\"")
    }

    func testWrongTypeNamesTheField() {
        let message = failure { try self.json(#"{"metadata":{"name":5},"spec":{"roles":["node"]}}"#) }
        XCTAssertEqual(message, "field \"metadata.name\": expected a string")
    }

    // MARK: Roles

    func testRolesAreCaseInsensitiveWithAliases() throws {
        let token = try yaml("metadata:\n  name: t\nspec:\n  roles: [NODE, proxy, trustedcluster, Windows_Desktop, remote_proxy]\n")
        XCTAssertEqual(token.spec.roles, [.node, .proxy, .trustedCluster, .windowsDesktop, .remoteProxy])
    }

    func testUnknownRoleIsRejected() {
        let message = failure { try self.yaml("metadata:\n  name: t\nspec:\n  roles: [node, wizard]\n") } ?? ""
        XCTAssertTrue(message.contains("role wizard is not registered"), message)
        XCTAssertTrue(message.contains("spec.roles"), message)
    }

    func testDuplicateRoleIsRejectedWhileDecoding() {
        let message = failure { try self.yaml("metadata:\n  name: t\nspec:\n  roles: [node, Node]\n") } ?? ""
        XCTAssertTrue(message.contains("duplicate role \"Node\""), message)
    }

    // MARK: Round trips

    private func sampleToken() -> ProvisionToken {
        var token = ProvisionToken(name: "round-trip", roles: [.node, .trustedCluster], joinMethod: "ec2",
                                   expires: referenceInstant)
        token.metadata.labels = ["env": "prod"]
        token.metadata.description = "sample"
        token.spec.suggestedLabels = .object(["a": .string("b")])
        token.spec.methodSections = [
            "allow": .array([.object(["aws_account": .string("123456789012"), "aws_regions": .array([.string("us-east-1")])])]),
            "aws_iid_ttl": .string("1h30m0s"),
            "bound_keypair": .object(["recovery": .object(["limit": .number(2)])]),
        ]
        token.status = ["bound_keypair": .object(["recovery_count": .number(1)])]
        return token
    }

    func testJSONRoundTripPreservesEveryField() throws {
        let original = sampleToken()
        let decoded = try JSONDecoder().decode(ProvisionToken.self, from: JSONEncoder().encode(original))
        XCTAssertEqual(decoded, original)
    }

    func testYAMLRoundTripPreservesEveryField() throws {
        let original = sampleToken()
        let decoded = try YAMLDecoder().decode(ProvisionToken.self, from: YAMLEncoder().encode(original))
        XCTAssertEqual(decoded, original)
    }

    func testEncodingUsesTeleportKeys() throws {
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(sampleToken())) as? [String: Any]
        let spec = try XCTUnwrap(object?["spec"] as? [String: Any])
        XCTAssertEqual(spec["roles"] as? [String], ["Node", "Trusted_cluster"])
        XCTAssertEqual(spec["join_method"] as? String, "ec2")
        XCTAssertEqual(spec["aws_iid_ttl"] as? String, "1h30m0s")
        XCTAssertNotNil(spec["bound_keypair"])
        let metadata = try XCTUnwrap(object?["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["expires"] as? String, "2026-01-02T15:04:05Z")
    }
}
