@testable import BoundKeypairJoin
import Foundation
import JoinCore
import XCTest

/// Bound keypairs for agents (Teleport 18.8+): a token with host roles binds one host ID with
/// its key. Onboarding picks the host ID; a re-join presenting that host's identity keeps it
/// without using a recovery; a recovery keeps it too; a copy of the agent's storage is caught
/// by its join state; a static key joins with nothing stored.
final class HostJoinTests: XCTestCase {
    private static let tokenName = BoundKeypairTestCluster.tokenName

    /// Stores a host token for `roles`, as `tctl create` does.
    @discardableResult
    private func createHostToken(_ cluster: BoundKeypairTestCluster, section: JSONValue?,
                                 roles: [SystemRole] = [.node]) throws -> ProvisionToken {
        let token = BoundKeypairTestCluster.token(section: section, roles: roles, botName: "")
        let validated = try cluster.method.validate(token.checkedCommonFields())
        let prepared = try cluster.method.prepareForStorage(validated, replacing: cluster.token)
        cluster.store(prepared)
        return prepared
    }

    /// An agent's prover: its section under `teleport.join_params`, its state in `dataDir`.
    private func agentProver(_ cluster: BoundKeypairTestCluster, dataDir: URL,
                             section: [String: JSONValue] = [:]) throws -> BoundKeypairProver {
        try BoundKeypairProver(context: ProverContext(
            clock: cluster.clock, joinParams: .object(["bound_keypair": .object(section)]),
            joinParamsPath: ["teleport", "join_params"], dataDirectory: dataDir, environment: [:]))
    }

    private struct HostOutcome {
        var hostID: String
        var joinState: String
        var facts: [String: String]
    }

    /// One host join the way the core runs it: attest, apply the patch, build the result, let
    /// the prover store it.
    private func joinHost(_ cluster: BoundKeypairTestCluster, _ prover: BoundKeypairProver, presenting: HostCaller? = nil,
                          effects: AttemptEffects = AttemptEffects(), facts: AttemptFacts = AttemptFacts()) async throws -> HostOutcome {
        let request = ProofRequest(tokenName: Self.tokenName, role: .node, nodeName: "node-1",
                                   keyBinding: BoundKeypairTestCluster.keyBinding)
        let attempt = JoinAttempt(
            token: try XCTUnwrap(cluster.token), tokenRevision: 1, requestedRole: .node, nodeName: "node-1",
            remoteAddress: "127.0.0.1:40000", initialPayload: try await prover.initialPayload(for: request),
            startedAt: cluster.clock.now, facts: facts, hostCaller: presenting, cluster: cluster.cluster, effects: effects,
            keyBinding: BoundKeypairTestCluster.keyBinding)
        let exchange = LoopbackChallengeExchange(prover: prover, request: request)
        let attestation = try await cluster.method.attest(attempt, over: exchange)
        XCTAssertNil(attestation.bot, "a host join has no bot instance")
        let hostID = try XCTUnwrap(attestation.hostID)
        guard case .patch(let patch) = attestation.tokenChange else { throw JoinError.internalError("expected a token patch") }
        let commit = CommitContext(botInstanceID: nil, now: cluster.clock.now)
        let committed = try patch.apply(try XCTUnwrap(cluster.token), commit)
        cluster.store(committed)
        let result = try XCTUnwrap(attestation.methodResult)(committed, commit)
        try await prover.finish(methodResult: result, for: request)
        let fields = try XCTUnwrap(JSONSerialization.jsonObject(with: result) as? [String: String])
        return HostOutcome(hostID: hostID, joinState: try XCTUnwrap(fields["join_state"]), facts: attempt.facts.all)
    }

    private func claims(_ joinState: String) throws -> [String: Any] {
        let payload = try XCTUnwrap(joinState.split(separator: ".").dropFirst().first)
        var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return try XCTUnwrap(JSONSerialization.jsonObject(with: XCTUnwrap(Data(base64Encoded: base64))) as? [String: Any])
    }

    // MARK: Tokens

    func testHostRolesAreAcceptedWithoutABotName() throws {
        let cluster = BoundKeypairTestCluster()
        for roles: [SystemRole] in [[.node], [.node, .proxy], [.kube, .app, .db], [.windowsDesktop]] {
            XCTAssertNoThrow(try createHostToken(cluster, section: Section.make(limit: 1, mode: "standard"), roles: roles), "\(roles)")
        }
        XCTAssertNotNil(try cluster.status().registrationSecret, "a secret is generated for agents as for bots")
    }

    func testAHostTokenNamingABotOrMixingBotWithHostRolesIsRefused() throws {
        let cluster = BoundKeypairTestCluster()
        var named = BoundKeypairTestCluster.token(section: nil, roles: [.node], botName: "robot")
        assertThrowsJoinError(.badParameter, containing: "spec.bot_name must be unset") {
            _ = try cluster.method.validate(named)
        }
        named = BoundKeypairTestCluster.token(section: nil, roles: [.bot, .node], botName: "robot")
        assertThrowsJoinError(.badParameter, containing: "joins either one bot (spec.roles: [Bot]) or agents") {
            _ = try cluster.method.validate(named)
        }
    }

    func testAgentsPreRegisterAKeyOnlyAsAStaticKeyInInsecureMode() throws {
        let cluster = BoundKeypairTestCluster()
        let key = JWSPrivateKey.ed25519(.init()).publicKey.ssh.authorizedKey
        assertThrowsJoinError(.badParameter, containing: "set spec.bound_keypair.recovery.mode to insecure") {
            try createHostToken(cluster, section: Section.make(initialPublicKey: key))
        }
        XCTAssertNoThrow(try createHostToken(cluster, section: Section.make(initialPublicKey: key, mode: "insecure")))
    }

    // MARK: Joins

    func testOnboardingBindsANewHostAndRejoinsKeepItWithoutARecovery() async throws {
        let cluster = BoundKeypairTestCluster()
        try createHostToken(cluster, section: Section.make(limit: 1, mode: "standard"))
        let secret = try XCTUnwrap(cluster.status().registrationSecret)
        let dataDir = try temporaryDirectory()
        let prover = try agentProver(cluster, dataDir: dataDir, section: ["registration_secret_value": .string(secret)])
        XCTAssertEqual(prover.stateDirectory(for: .node), dataDir.appendingPathComponent("bound_keypair"))
        XCTAssertEqual(prover.stateDirectory(for: .bot), dataDir)

        let first = try await joinHost(cluster, prover)
        XCTAssertNotNil(UUID(uuidString: first.hostID), first.hostID)
        var status = try cluster.status()
        XCTAssertEqual(status.boundHostID, first.hostID)
        XCTAssertNil(status.boundBotInstanceID)
        XCTAssertNil(status.registrationSecret)
        XCTAssertEqual(status.recoveryCount, 1)
        XCTAssertNil(first.facts["bot_name"])
        XCTAssertEqual(first.facts["join_kind"], "registration")
        var claims = try claims(first.joinState)
        XCTAssertEqual(claims["host_id"] as? String, first.hostID)
        XCTAssertEqual(claims["sub"] as? String, Self.tokenName)
        XCTAssertNil(claims["bot_instance_id"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dataDir.appendingPathComponent("bound_keypair/bkp_state").path))

        // The agent starts again holding its host certificate: the same host, no recovery.
        cluster.clock.advance(by: 60)
        let again = try await joinHost(cluster, try agentProver(cluster, dataDir: dataDir),
                                       presenting: HostCaller(hostID: first.hostID, roles: [.node]))
        XCTAssertEqual(again.hostID, first.hostID)
        XCTAssertEqual(again.facts["join_kind"], "rejoin")
        status = try cluster.status()
        XCTAssertEqual(status.recoveryCount, 1)
        XCTAssertEqual(status.boundHostGeneration, 2, "every host join moves the generation on")
        claims = try self.claims(again.joinState)
        XCTAssertEqual(claims["host_id"] as? String, first.hostID)
        XCTAssertEqual(claims["host_generation"] as? Int, 2)
    }

    func testARecoveryKeepsTheHostAndIsCounted() async throws {
        let cluster = BoundKeypairTestCluster()
        try createHostToken(cluster, section: Section.make(limit: 2, mode: "standard"))
        let secret = try XCTUnwrap(cluster.status().registrationSecret)
        let dataDir = try temporaryDirectory()
        let first = try await joinHost(cluster, try agentProver(cluster, dataDir: dataDir,
                                                                 section: ["registration_secret_value": .string(secret)]))
        // The identity was lost (no host certificate presented); the key and join state remain.
        let recovered = try await joinHost(cluster, try agentProver(cluster, dataDir: dataDir))
        XCTAssertEqual(recovered.hostID, first.hostID)
        XCTAssertEqual(recovered.facts["join_kind"], "recovery")
        XCTAssertEqual(try cluster.status().recoveryCount, 2)
        await assertFails(.accessDenied, "no rejoins remaining") {
            try await self.joinHost(cluster, try self.agentProver(cluster, dataDir: dataDir))
        }
    }

    func testAnotherHostsIdentityIsRefused() async throws {
        let cluster = BoundKeypairTestCluster()
        try createHostToken(cluster, section: Section.make(limit: 1, mode: "standard"))
        let secret = try XCTUnwrap(cluster.status().registrationSecret)
        let dataDir = try temporaryDirectory()
        _ = try await joinHost(cluster, try agentProver(cluster, dataDir: dataDir, section: ["registration_secret_value": .string(secret)]))
        let before = try cluster.status()
        let facts = AttemptFacts()
        await assertFails(.accessDenied, "host ID mismatch") {
            try await self.joinHost(cluster, try self.agentProver(cluster, dataDir: dataDir),
                                    presenting: HostCaller(hostID: "some-other-host", roles: [.node]), facts: facts)
        }
        XCTAssertEqual(facts.all["caller_host_id"], "some-other-host")
        XCTAssertEqual(try cluster.status(), before, "a refusal changes nothing")
    }

    func testACopiedDataDirIsCaughtByItsJoinStateAndLocksTheToken() async throws {
        let cluster = BoundKeypairTestCluster()
        try createHostToken(cluster, section: Section.make(limit: 1, mode: "standard"))
        let secret = try XCTUnwrap(cluster.status().registrationSecret)
        let honest = try temporaryDirectory()
        let first = try await joinHost(cluster, try agentProver(cluster, dataDir: honest,
                                                                 section: ["registration_secret_value": .string(secret)]))
        let copy = try temporaryDirectory().appendingPathComponent("copy")
        try FileManager.default.copyItem(at: honest, to: copy)
        let identity = HostCaller(hostID: first.hostID, roles: [.node])

        cluster.clock.advance(by: 60)
        _ = try await joinHost(cluster, try agentProver(cluster, dataDir: honest), presenting: identity)
        let effects = AttemptEffects(), facts = AttemptFacts()
        await assertFails(.accessDenied, "join state verification failed") {
            try await self.joinHost(cluster, try self.agentProver(cluster, dataDir: copy), presenting: identity,
                                    effects: effects, facts: facts)
        }
        XCTAssertEqual(effects.locks.map(\.target), [.joinToken(Self.tokenName), .serverID(first.hostID)],
                       "the token and the host: both copies' certificates stop working")
        XCTAssertEqual(facts.all["join_state_failure"], "host generation mismatch")
        let event = try XCTUnwrap(effects.events.first { $0.type == "bound_keypair.join_state_verification_failed" })
        XCTAssertNil(event.fields["bot_name"])
        XCTAssertEqual(event.fields["token_name"], Self.tokenName)
    }

    func testABotsJoinStateIsNotAHostsAndTheOtherWayRound() throws {
        let cluster = BoundKeypairTestCluster()
        let status = BoundKeypairStatus(boundPublicKey: "k", boundBotInstanceID: "instance-1", boundHostID: "host-1", recoveryCount: 1)
        let recovery = BoundKeypairTokenSpec.Recovery()
        // A host's state names the token; presented as a bot's for a bot named like the token, it still fails.
        func issue(_ subject: BoundKeypairSubject, _ instance: String) throws -> String {
            try JoinState.issue(cluster: cluster.cluster, subject: subject, instance: instance, status: status,
                                recovery: recovery, now: cluster.clock.now)
        }
        func failure(_ state: String, _ subject: BoundKeypairSubject) -> String? {
            do {
                _ = try JoinState.verify(state, cluster: cluster.cluster, subject: subject, status: status, now: cluster.clock.now)
                return nil
            } catch {
                return (error as? JoinState.Failure)?.reason ?? "\(error)"
            }
        }
        let hostState = try issue(.host(tokenName: "robot"), "host-1")
        XCTAssertEqual(failure(hostState, .bot(name: "robot")), "bot instance mismatch")
        let botState = try issue(.bot(name: "robot"), "instance-1")
        XCTAssertEqual(failure(botState, .host(tokenName: "robot")), "host ID mismatch")
        XCTAssertNil(failure(hostState, .host(tokenName: "robot")))
    }

    // MARK: Static keys

    func testAStaticKeyJoinsWithNothingStoredAndRefusesRotation() async throws {
        let cluster = BoundKeypairTestCluster()
        let keyDirectory = try temporaryDirectory()
        let keyFile = keyDirectory.appendingPathComponent("static.pem")
        let created = try await StaticKeypairCreation(path: keyFile, overwrite: false, logger: .init(label: "test"))
            .run { "balanced-v1" }
        try createHostToken(cluster, section: Section.make(initialPublicKey: created.publicKey.authorizedKey, mode: "insecure"))
        let dataDir = try temporaryDirectory()
        let prover = try agentProver(cluster, dataDir: dataDir, section: ["static_key_path": .string(keyFile.path)])
        let first = try await joinHost(cluster, prover)
        XCTAssertEqual(try cluster.status().boundPublicKey, created.publicKey.authorizedKey)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dataDir.path), [], "a static key stores nothing")

        // Without state or identity it joins again as the same host (insecure: no join state).
        let again = try await joinHost(cluster, try agentProver(cluster, dataDir: dataDir, section: ["static_key_path": .string(keyFile.path)]))
        XCTAssertEqual(again.hostID, first.hostID)

        // A rotation cannot be done with a key the client does not own the storage of.
        var token = try XCTUnwrap(cluster.token)
        token = try RotationRequest.requesting(token, at: cluster.clock.now)
        token.status = cluster.token?.status
        cluster.store(token)
        await assertFails(.badParameter, StaticBoundKey.rotationRefused.message) {
            try await self.joinHost(cluster, try self.agentProver(cluster, dataDir: dataDir, section: ["static_key_path": .string(keyFile.path)]))
        }

        // Running the creation again keeps the key; --overwrite replaces it.
        let kept = try await StaticKeypairCreation(path: keyFile, overwrite: false, logger: .init(label: "test")).run { "balanced-v1" }
        XCTAssertEqual(kept.publicKey, created.publicKey)
        let replaced = try await StaticKeypairCreation(path: keyFile, overwrite: true, logger: .init(label: "test")).run { "balanced-v1" }
        XCTAssertNotEqual(replaced.publicKey, created.publicKey)
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
    }

    func testAStaticKeyThatIsNotTheRegisteredOneIsNamedAndRefused() async throws {
        let cluster = BoundKeypairTestCluster()
        let registered = JWSPrivateKey.ed25519(.init())
        try createHostToken(cluster, section: Section.make(initialPublicKey: registered.publicKey.ssh.authorizedKey, mode: "insecure"))
        let other = JWSPrivateKey.ed25519(.init())
        let encoded = Data(other.pemRepresentation.utf8).base64EncodedString()
        // tbot's environment variable, with the key itself (base64 of its PEM).
        let prover = try BoundKeypairProver(context: ProverContext(
            clock: cluster.clock, joinParams: .object([:]), joinParamsPath: ["onboarding"], dataDirectory: try temporaryDirectory(),
            environment: [BoundKeypairOnboarding.staticKeyEnvironmentVariable: encoded]))
        do {
            _ = try await joinHost(cluster, prover)
            XCTFail("a key other than the registered one joined")
        } catch {
            XCTAssertTrue("\(error)".contains("failed to complete challenge") || "\(error)".contains("static key"), "\(error)")
        }
        XCTAssertNil(try cluster.status().boundPublicKey)
        XCTAssertThrowsError(try BoundKeypairProver(context: ProverContext(
            clock: cluster.clock, joinParams: .object([:]), joinParamsPath: ["onboarding"], dataDirectory: try temporaryDirectory(),
            environment: [BoundKeypairOnboarding.staticKeyEnvironmentVariable: "not base64 at all"]))) { error in
            XCTAssertTrue("\(error)".contains("base64-encoded PEM"), "\(error)")
        }
    }

    // MARK: The agent's section

    func testTheAgentSectionReadsTeleportsAgentFieldNames() throws {
        let agentPath = ["teleport", "join_params"]
        func prover(_ section: [String: JSONValue], path: [String]) throws -> BoundKeypairProver {
            try BoundKeypairProver(context: ProverContext(joinParams: .object(["bound_keypair": .object(section)]),
                                                          joinParamsPath: path, dataDirectory: try temporaryDirectory(), environment: [:]))
        }
        // Either file's spelling is read in either (tbot's registration_secret, the agent's _value).
        for key in ["registration_secret", "registration_secret_value"] {
            XCTAssertEqual(try prover([key: .string("s")], path: agentPath).registrationSecret, "s", key)
            XCTAssertEqual(try prover([key: .string("s")], path: ["onboarding"]).registrationSecret, "s", key)
        }
        assertThrowsJoinError(.badParameter, containing: "unknown field \"teleport.join_params.bound_keypair.registration_token\"") {
            _ = try prover(["registration_token": .string("s")], path: agentPath)
        }
        assertThrowsJoinError(.badParameter, containing: "only one of 'registration_secret_value' and 'static_key_path' may be set") {
            _ = try prover(["registration_secret_value": .string("s"), "static_key_path": .string("/k")], path: agentPath)
        }
        assertThrowsJoinError(.badParameter, containing: "teleport.join_params.bound_keypair.static_key_path: cannot read the static key file /nonexistent/k") {
            _ = try prover(["static_key_path": .string("/nonexistent/k")], path: agentPath)
        }
        // tbot's variables are tbot's: an agent does not read them.
        let agent = try BoundKeypairProver(context: ProverContext(
            joinParams: .object([:]), joinParamsPath: agentPath, dataDirectory: try temporaryDirectory(),
            environment: [BoundKeypairOnboarding.secretEnvironmentVariable: "from-env"]))
        XCTAssertNil(agent.registrationSecret)
    }
}

