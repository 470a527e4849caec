import JoinCore
import XCTest

/// Resolving join methods by name (DESIGN.md §4.2).
final class JoinMethodRegistryTests: XCTestCase {
    func testAvailableNamesAreSorted() {
        XCTAssertEqual(FakePlugins.registry.availableNames, ["bound_keypair", "ec2", "token"])
    }

    func testPluginIsFoundByName() throws {
        XCTAssertEqual(try FakePlugins.registry.plugin(named: "ec2").name, "ec2")
    }

    func testUnknownPluginErrorListsAvailableNames() {
        XCTAssertThrowsError(try FakePlugins.registry.plugin(named: "github")) { error in
            XCTAssertEqual(error as? JoinError, .badParameter(
                "unknown join method \"github\"; available join methods: bound_keypair, ec2, token"))
        }
    }

    func testPluginNamesAreCaseSensitive() {
        XCTAssertThrowsError(try FakePlugins.registry.plugin(named: "EC2"))
    }

    func testAuthServiceKeysAreTheUnionOfEveryPlugin() {
        XCTAssertEqual(FakePlugins.registry.authServiceKeys, ["ec2_regions", "bound_keypair_limits", "tokens"])
    }

    func testEmptyRegistryHasNoKeysOrNames() {
        let registry = JoinMethodRegistry(plugins: [])
        XCTAssertEqual(registry.authServiceKeys, [])
        XCTAssertEqual(registry.availableNames, [])
    }

    func testAllMethodsAreMadeWhenNoneAreNamed() throws {
        XCTAssertEqual(try FakePlugins.methods().names, ["bound_keypair", "ec2", "token"])
    }

    func testOnlyEnabledMethodsAreMade() throws {
        let set = try FakePlugins.methods(enabled: ["token", "ec2"])
        XCTAssertEqual(set.names, ["token", "ec2"])
        XCTAssertNil(set.method(named: "bound_keypair"))
        XCTAssertEqual(set.method(named: "ec2")?.name, "ec2")
    }

    func testEnablingAnUnknownMethodFailsListingAvailableNames() {
        XCTAssertThrowsError(try FakePlugins.methods(enabled: ["token", "oracle"])) { error in
            let message = (error as? JoinError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("unknown join method \"oracle\""), message)
            XCTAssertTrue(message.contains("bound_keypair, ec2, token"), message)
        }
    }

    func testProverIsMadeByName() throws {
        let prover = try FakePlugins.registry.makeProver(named: "bound_keypair", context: ProverContext())
        XCTAssertEqual(prover.name, "bound_keypair")
    }

    func testProverForUnknownMethodFails() {
        XCTAssertThrowsError(try FakePlugins.registry.makeProver(named: "gcp", context: ProverContext()))
    }

    func testMethodsWithoutTokenSourcesContributeNone() throws {
        XCTAssertTrue(try FakePlugins.methods().tokenSources.isEmpty)
    }

    func testDefaultAcceptsOnlyItsOwnName() {
        XCTAssertTrue(AllowRuleMethod().accepts(requestedMethod: "ec2"))
        XCTAssertFalse(AllowRuleMethod().accepts(requestedMethod: "token"))
    }
}
