import CLISupport
import Foundation
import JoinCore
import XCTest

/// What `tctl bots update` changes in a stored bot: roles and the logins trait set or added
/// (in order, without repeats), the certificate lifetime limit, nothing else; an update that
/// changes nothing is reported as such.
final class BotUpdateTests: XCTestCase {
    private let bot: JSONValue = .object([
        "kind": .string("bot"), "version": .string("v1"), "metadata": .object(["name": .string("robot")]),
        "spec": .object([
            "roles": .array([.string("access")]),
            "traits": .array([.object(["name": .string("kube_groups"), "values": .array([.string("dev")])])]),
        ]),
    ])

    private func spec(_ value: JSONValue?) -> JSONValue? { value?["spec"] }

    func testRolesAreSetOrAddedWithoutRepeats() throws {
        let added = try BotUpdate(addRoles: ["editor", "access"]).applied(to: bot)
        XCTAssertEqual(spec(added)?["roles"], .array([.string("access"), .string("editor")]))
        let set = try BotUpdate(setRoles: ["auditor"], addRoles: ["auditor", "viewer"]).applied(to: bot)
        XCTAssertEqual(spec(set)?["roles"], .array([.string("auditor"), .string("viewer")]))
        XCTAssertEqual(set?["metadata"], bot["metadata"], "the rest of the bot is kept")
    }

    func testLoginsAreATraitBesideTheOthers() throws {
        let added = try XCTUnwrap(BotUpdate(addLogins: ["root", "ubuntu"]).applied(to: bot))
        XCTAssertEqual(spec(added)?["traits"], .array([
            .object(["name": .string("kube_groups"), "values": .array([.string("dev")])]),
            .object(["name": .string("logins"), "values": .array([.string("root"), .string("ubuntu")])]),
        ]))
        let cleared = try BotUpdate(setLogins: []).applied(to: added)
        XCTAssertEqual(spec(cleared)?["traits"], .array([.object(["name": .string("kube_groups"), "values": .array([.string("dev")])])]),
                       "an empty login list removes the trait")
    }

    func testAnUpdateThatChangesNothingSaysSo() throws {
        XCTAssertNil(try BotUpdate(addRoles: ["access"]).applied(to: bot))
        XCTAssertNil(try BotUpdate(setRoles: ["access"]).applied(to: bot))
        XCTAssertTrue(BotUpdate().isEmpty)
        XCTAssertFalse(BotUpdate(addLogins: ["root"]).isEmpty)
    }

    func testMaxSessionTTLIsWrittenAsAGoDuration() throws {
        let updated = try BotUpdate(maxSessionTTL: GoDuration(parsing: "12h")).applied(to: bot)
        XCTAssertEqual(spec(updated)?["max_session_ttl"], .string(try GoDuration(parsing: "12h").description))
    }

    func testFlagEntriesAreTrimmedAndEmptyOnesDropped() {
        XCTAssertEqual(BotUpdate.entries(" a, b ,,c "), ["a", "b", "c"])
        XCTAssertEqual(BotUpdate.entries(""), [])
        XCTAssertNil(BotUpdate.entries(nil))
    }
}
