import Foundation
import JoinCore
import XCTest

/// The validation table of spec §1.3, through ``JoinMethodSet/validate(_:)`` and
/// ``ProvisionToken/checkedCommonFields()``.
final class TokenValidationTests: XCTestCase {
    private static let anAllowRule: JSONValue = .array([.object(["aws_account": .string("123456789012")])])

    private func token(roles: [SystemRole] = [.node], method: String = "", allow: JSONValue? = nil,
                       botName: String = "") -> ProvisionToken {
        var token = ProvisionToken(name: "a-token-name-0123456789", roles: roles, joinMethod: method)
        token.spec.methodSections["allow"] = allow
        token.spec.botName = botName
        return token
    }

    // MARK: Common rules

    func testKindAndVersionAreForced() throws {
        var input = token()
        input.kind = "something"
        input.version = "v1"
        let checked = try input.checkedCommonFields()
        XCTAssertEqual(checked.kind, "token")
        XCTAssertEqual(checked.version, "v2")
    }

    func testMissingNameIsRejected() {
        var input = token()
        input.metadata.name = ""
        XCTAssertEqual(joinErrorMessage { _ = try input.checkedCommonFields() }, "missing parameter metadata.name")
    }

    func testMissingRolesAreRejected() {
        XCTAssertEqual(joinErrorMessage { _ = try self.token(roles: []).checkedCommonFields() },
                       "provisioning token is missing roles")
    }

    func testDuplicateRolesAreRejected() {
        XCTAssertEqual(joinErrorMessage { _ = try self.token(roles: [.node, .proxy, .node]).checkedCommonFields() },
                       "duplicate role \"Node\"")
    }

    func testBotRoleWithoutBotNameIsRejected() {
        let message = joinErrorMessage { _ = try self.token(roles: [.bot]).checkedCommonFields() }
        XCTAssertEqual(message, "token with role \"Bot\" must set bot_name")
    }

    func testBotNameWithoutBotRoleIsRejected() {
        let message = joinErrorMessage { _ = try self.token(roles: [.node], botName: "robot").checkedCommonFields() }
        XCTAssertEqual(message, "can only set bot_name on token with role \"Bot\"")
    }

    func testBotRoleWithBotNameIsAccepted() throws {
        let checked = try token(roles: [.bot], botName: "robot").checkedCommonFields()
        XCTAssertEqual(checked.spec.botName, "robot")
    }

    func testCommonFieldsLeaveTheJoinMethodToTheMethodSet() throws {
        XCTAssertEqual(try token().checkedCommonFields().spec.joinMethod, "")
    }

    func testJoinMethodDefaultsToTokenWithoutAllowRules() async throws {
        let validated = try await FakePlugins.methods().validate(token())
        XCTAssertEqual(validated.spec.joinMethod, "token")
    }

    func testJoinMethodDefaultsToTheMethodASectionImplies() async throws {
        let validated = try await FakePlugins.methods().validate(token(allow: Self.anAllowRule))
        XCTAssertEqual(validated.spec.joinMethod, "ec2")
    }

    func testEmptyAllowListImpliesNothingAndIsDropped() async throws {
        let validated = try await FakePlugins.methods().validate(token(allow: .array([])))
        XCTAssertEqual(validated.spec.joinMethod, "token")
        XCTAssertNil(validated.spec.methodSections["allow"])
    }

    func testExplicitJoinMethodIsKept() async throws {
        let validated = try await FakePlugins.methods().validate(token(method: "ec2", allow: Self.anAllowRule))
        XCTAssertEqual(validated.spec.joinMethod, "ec2")
    }

    func testAnotherMethodsSectionIsNotCompatible() async throws {
        let message = await joinErrorMessage {
            _ = try await FakePlugins.methods().validate(self.token(method: "token", allow: Self.anAllowRule))
        }
        XCTAssertEqual(message, "spec.allow is not compatible with the \"token\" join method: it belongs to the \"ec2\" "
            + "join method; remove it, or set join_method to its method")
    }

    // MARK: Through the enabled methods

    func testCommonRulesRunBeforeTheMethod() async throws {
        let set = try FakePlugins.methods()
        let message = await joinErrorMessage { _ = try await set.validate(self.token(roles: [], method: "token")) }
        XCTAssertEqual(message, "provisioning token is missing roles")
    }

    func testMethodValidationIsCalled() async throws {
        let set = try FakePlugins.methods()
        let message = await joinErrorMessage { _ = try await set.validate(self.token(method: "ec2")) }
        XCTAssertEqual(message, "the ec2 join method requires defined allow rules")
    }

    func testMethodDefaultsAreReturned() async throws {
        let set = try FakePlugins.methods()
        let validated = try await set.validate(token(allow: Self.anAllowRule))
        XCTAssertEqual(validated.spec.joinMethod, "ec2")
        XCTAssertEqual(validated.spec.methodSections["aws_iid_ttl"], .string("5m0s"))
    }

    func testDefaultedTokenMethodRejectsNothingElse() async throws {
        let set = try FakePlugins.methods()
        let validated = try await set.validate(token())
        XCTAssertEqual(validated.spec.joinMethod, "token")
        XCTAssertEqual(validated.spec.roles, [.node])
    }

    func testUnknownJoinMethodIsRejected() async throws {
        let set = try FakePlugins.methods()
        let message = await joinErrorMessage { _ = try await set.validate(self.token(method: "github")) }
        XCTAssertEqual(message, "unknown join method \"github\"")
    }

    func testRegisteredButDisabledJoinMethodIsRejected() async throws {
        let set = try FakePlugins.methods(enabled: ["token"])
        let message = await joinErrorMessage {
            _ = try await set.validate(self.token(method: "ec2", allow: Self.anAllowRule))
        }
        XCTAssertEqual(message, "join method \"ec2\" is not enabled on this Auth server; enabled: token")
    }

    func testDisabledMethodIsNotReportedAsUnknown() async throws {
        let set = try FakePlugins.methods(enabled: ["token"])
        let message = await joinErrorMessage { _ = try await set.validate(self.token(method: "bound_keypair")) } ?? ""
        XCTAssertFalse(message.hasPrefix("unknown join method"), message)
    }

    func testSpecSectionNoEnabledMethodOwnsIsRejected() async throws {
        var input = token(method: "token")
        input.spec.methodSections["github"] = .object(["repository": .string("org/repo")])
        let set = try FakePlugins.methods()
        let message = await joinErrorMessage { _ = try await set.validate(input) }
        XCTAssertEqual(message, "unknown field \"spec.github\"")
    }

    func testSpecSectionOfADisabledMethodIsRejected() async throws {
        var input = token(method: "token")
        input.spec.methodSections["bound_keypair"] = .object([:])
        let set = try FakePlugins.methods(enabled: ["token"])
        let message = await joinErrorMessage { _ = try await set.validate(input) }
        XCTAssertEqual(message, "unknown field \"spec.bound_keypair\"")
    }

    func testSpecSectionOwnedByTheTokensMethodIsAccepted() async throws {
        var input = token(method: "bound_keypair")
        input.spec.methodSections["bound_keypair"] = .object(["recovery": .object(["mode": .string("standard")])])
        let validated = try await FakePlugins.methods().validate(input)
        XCTAssertEqual(validated.spec.methodSections["bound_keypair"]?["recovery"]?["mode"], .string("standard"))
    }

    func testMissingSectionIsReportedByItsMethod() async throws {
        let set = try FakePlugins.methods()
        let message = await joinErrorMessage { _ = try await set.validate(self.token(method: "bound_keypair")) }
        XCTAssertEqual(message, "spec.bound_keypair: field is required")
    }
}
