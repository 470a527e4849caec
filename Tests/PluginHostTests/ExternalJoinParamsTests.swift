import JoinCore
import PluginHost
import XCTest

/// An external program on the joining side gets its own section of the join parameters and
/// nothing else: not a built-in method's section (a registration secret), not the token.
final class ExternalJoinParamsTests: XCTestCase {

    func testTheProgramSeesOnlyItsOwnSection() {
        let context = ProverContext(joinParams: .object([
            "fixture": .object(["behaviour": .string("ok")]),
            "bound_keypair": .object(["registration_secret": .string("s3cret")]),
        ]))
        XCTAssertEqual(ExternalJoinPlugins.joinParams(of: "fixture", in: context), .object(["behaviour": .string("ok")]))
        XCTAssertEqual(ExternalJoinPlugins.joinParams(of: "other", in: context), .object([:]))
    }

    func testItsSectionIsDeclaredSoStrictParsingAcceptsIt() throws {
        let spec = try ExternalPluginSpec(name: "fixture", command: "/bin/true", sha256: String(repeating: "0", count: 64))
        let registry = JoinMethodRegistry(plugins: [ExternalJoinPlugins.clientPlugin(spec, logger: .init(label: "test"))])
        XCTAssertNoThrow(try registry.checkJoinParams(["fixture": .object(["anything": .bool(true)])], at: ["teleport", "join_params"]))
        XCTAssertThrowsError(try registry.checkJoinParams(["behaviour": .string("crash")], at: ["teleport", "join_params"])) { error in
            XCTAssertEqual((error as? JoinError)?.message, "unknown field \"teleport.join_params.behaviour\"")
        }
    }
}
