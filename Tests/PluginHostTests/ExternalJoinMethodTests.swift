import Agent
import Crypto
import Foundation
import JoinCore
import Logging
import PluginHost
import Server
import StaticJoin
import TestSupport
import TokenJoin
import XCTest

/// External join methods through the real plugin machinery: the fixture program
/// (Tests/PluginFixture) is started, checksummed, spoken to over its Unix socket, made to
/// crash, hang and talk nonsense, and each time only the join in flight fails.
final class ExternalJoinMethodTests: XCTestCase {
    private var cluster: TestCluster?
    private let logger = Logger(label: "plugin-host-test")

    override func tearDown() async throws {
        await cluster?.stop()
    }

    private static var fixturePath: String { ClusterProcesses.binaries.appendingPathComponent("joinery-fixture-plugin").path }

    private func spec(name: String = "fixture", sha256: String? = nil, settings: JSONValue = .object([:]),
                      callTimeout: Duration = .seconds(10)) throws -> ExternalPluginSpec {
        guard let bytes = FileManager.default.contents(atPath: Self.fixturePath) else {
            throw XCTSkip("the fixture plugin is not built at \(Self.fixturePath); run `swift build --build-tests`")
        }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        return try ExternalPluginSpec(name: name, command: Self.fixturePath, sha256: sha256 ?? digest, settings: settings,
                                      callTimeout: callTimeout)
    }

    /// A started cluster whose registry holds the built-ins and the fixture's server half, with
    /// a fixture token and a stored token; returns the client registry.
    private func startCluster(_ serverSpec: ExternalPluginSpec) async throws -> (TestCluster, JoinMethodRegistry) {
        let external = try await ExternalJoinPlugins.serverPlugin(serverSpec, dataDirectory: nil, logger: logger)
        let registry = try JoinMethodRegistry(plugins: [.staticTokens, .storedTokens]).adding([external])
        let cluster = try await TestCluster(registry: registry)
        self.cluster = cluster
        _ = try await cluster.start()
        var token = ProvisionToken(name: "fixture-token", roles: [.node], expires: Date().addingTimeInterval(600))
        token.spec.joinMethod = "fixture"
        _ = try await cluster.server.tokens.create(token, upsert: false)
        try await cluster.addToken("stored-token-0123456789abcdef", roles: [.node])
        let client = try JoinMethodRegistry(plugins: [.staticTokens, .storedTokens])
            .adding([ExternalJoinPlugins.clientPlugin(try spec(), logger: logger)])
        return (cluster, client)
    }

    private func join(_ cluster: TestCluster, _ registry: JoinMethodRegistry, behaviour: String = "ok",
                      token: String = "fixture-token", method: String = "fixture") async throws -> Identity {
        let parameters = JoinParameters(authServer: try XCTUnwrap(cluster.address), tokenName: token, method: method,
                                        role: .node, nodeName: "node-\(behaviour)", insecure: true)
        let client = JoinClient(registry: registry, logger: logger,
                                proverContext: ProverContext(joinParams: .object(["fixture": .object(["behaviour": .string(behaviour)])])))
        return try await client.join(parameters)
    }

    private func assertJoinFails(_ cluster: TestCluster, _ registry: JoinMethodRegistry, behaviour: String,
                                 containing text: String, file: StaticString = #filePath, line: UInt = #line) async {
        do {
            _ = try await join(cluster, registry, behaviour: behaviour)
            XCTFail("the \(behaviour) join succeeded", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains(text), "\(error.kind): \(error.message)", file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func testAnExternalMethodJoinsThroughTheSameRegistryAndPipeline() async throws {
        let (cluster, client) = try await startCluster(try spec())
        let identity = try await join(cluster, client)
        XCTAssertEqual(identity.clusterName, TestCluster.clusterName)
        let events = try await cluster.backend.auditEvents(limit: 10)
        let event = try XCTUnwrap(events.last)
        XCTAssertTrue(event.success)
        XCTAssertEqual(event.method, "fixture")
        XCTAssertNotNil(event.attributes["fixture_pid"])
        // The method's ordinary refusals are answers, not failures: the program keeps running.
        await assertJoinFails(cluster, client, behaviour: "refuse", containing: "the fixture refused this join")
        // What the method verified before refusing reaches the audit event.
        let refused = try await cluster.backend.auditEvents(limit: 10).last
        XCTAssertEqual(refused?.success, false)
        XCTAssertEqual(refused?.attributes["fixture_checked"], "yes")
        let again = try await join(cluster, client)
        XCTAssertFalse(again.hostID.isEmpty)
        let pids = Set(try await cluster.backend.auditEvents(limit: 10).compactMap { $0.attributes["fixture_pid"] })
        XCTAssertEqual(pids.count, 1, "a refusal must not restart the plugin: \(pids)")
    }

    func testAProgramWhoseChecksumDoesNotMatchIsNotStarted() async throws {
        let wrong = String(repeating: "ab", count: 32)
        do {
            _ = try await ExternalJoinPlugins.serverPlugin(try spec(sha256: wrong), dataDirectory: nil, logger: logger)
            XCTFail("a plugin with the wrong checksum was started")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied)
            XCTAssertTrue(error.message.contains("refusing to start it"), error.message)
            XCTAssertTrue(error.message.contains(wrong), error.message)
        }
    }

    func testAMethodThatCannotBeMadeStopsStartUpWithItsReason() async throws {
        do {
            _ = try await ExternalJoinPlugins.serverPlugin(try spec(settings: .object(["fail_to_start": .bool(true)])),
                                                           dataDirectory: nil, logger: logger)
            XCTFail("a plugin whose method cannot be made was loaded")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertEqual(error.message, "join plugin fixture cannot start: the fixture was told not to start")
        }
    }

    func testAProgramThatCallsItselfSomethingElseIsRefused() async throws {
        do {
            _ = try await ExternalJoinPlugins.serverPlugin(try spec(name: "x509pop"), dataDirectory: nil, logger: logger)
            XCTFail("a misnamed plugin was accepted")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("calls itself \"fixture\""), error.message)
        }
    }

    func testACrashMidJoinFailsThatJoinOnlyAndTheNextJoinRestartsThePlugin() async throws {
        let (cluster, client) = try await startCluster(try spec())
        _ = try await join(cluster, client)
        await assertJoinFails(cluster, client, behaviour: "crash", containing: "will be restarted")
        // Other methods never noticed, and the next fixture join runs on a new program.
        _ = try await join(cluster, client, token: "stored-token-0123456789abcdef", method: "token")
        _ = try await join(cluster, client)
        let pids = Set(try await cluster.backend.auditEvents(limit: 20).compactMap { $0.attributes["fixture_pid"] })
        XCTAssertEqual(pids.count, 2, "expected a restarted plugin: \(pids)")
    }

    func testAPluginThatHangsPastItsDeadlineFailsTheJoinAndIsRestarted() async throws {
        let (cluster, client) = try await startCluster(try spec(callTimeout: .seconds(1)))
        let started = ContinuousClock.now
        await assertJoinFails(cluster, client, behaviour: "hang", containing: "did not answer in time")
        XCTAssertLessThan(started.duration(to: .now), .seconds(15))
        _ = try await join(cluster, client)
    }

    func testAPluginThatAnswersGarbageToTokenValidationIsRefusedClearly() async throws {
        do {
            _ = try await startCluster(try spec(settings: .object(["garbage": .string("all")])))
            XCTFail("a token was validated by a plugin answering garbage")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .unavailable)
            XCTAssertTrue(error.message.contains("failed during token validation (an empty token validation answer)"), error.message)
        }
    }

    func testAPluginThatAnswersGarbageFailsTheJoinWithAClearError() async throws {
        let (cluster, client) = try await startCluster(try spec(settings: .object(["garbage": .string("attest")])))
        await assertJoinFails(cluster, client, behaviour: "ok", containing: "an empty attestation message")
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertTrue(events.contains { !$0.success && ($0.reason ?? "").contains("join plugin fixture failed") }, "\(events)")
    }

    func testTokenSectionsAreValidatedByThePlugin() async throws {
        let (cluster, _) = try await startCluster(try spec())
        var rejected = ProvisionToken(name: "rejected-by-plugin", roles: [.node], expires: Date().addingTimeInterval(600))
        rejected.spec.joinMethod = "fixture"
        rejected.spec.methodSections["fixture"] = .object(["reject": .bool(true)])
        do {
            _ = try await cluster.server.tokens.create(rejected, upsert: false)
            XCTFail("the plugin's validation was skipped")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains("spec.fixture.reject is set"), error.message)
        }
        let stored = try await cluster.backend.get("/tokens/rejected-by-plugin")
        XCTAssertNil(stored)
        // The section the plugin declared is known to the core; others are still unknown.
        var accepted = rejected
        accepted.metadata.name = "accepted-by-plugin"
        accepted.spec.methodSections["fixture"] = .object([:])
        _ = try await cluster.server.tokens.create(accepted, upsert: false)
        var unknown = accepted
        unknown.metadata.name = "unknown-section"
        unknown.spec.methodSections["x509pop"] = .object([:])
        do {
            _ = try await cluster.server.tokens.create(unknown, upsert: false)
            XCTFail("an unowned section was accepted")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("unknown field \"spec.x509pop\""), error.message)
        }
    }

    func testAnExternalPluginCannotReplaceABuiltInMethod() throws {
        let clash = ExternalJoinPlugins.clientPlugin(try spec(name: "token"), logger: logger)
        XCTAssertThrowsError(try JoinMethodRegistry(plugins: [.storedTokens]).adding([clash])) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("already registered") ?? false, "\(error)")
        }
    }
}
