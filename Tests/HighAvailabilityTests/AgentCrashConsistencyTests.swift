import Agent
import Foundation
import JoinCore
import Server
import TestSupport
import X509
import XCTest

/// Joining processes SIGKILLed at random moments around their join — `teleport start` nodes
/// with a token, and `tbot` with single-use bot tokens — leave either no identity or a whole
/// one: it loads, its certificate chains to the cluster's CA and matches its key, the files
/// beside it agree with it, and the Auth server has its join on record. A node restarted on a
/// killed node's `data_dir` reuses what is there or joins afresh.
final class AgentCrashConsistencyTests: XCTestCase {
    private var auth: CrashableAuthServer?
    private var agents: [ManagedProcess] = []
    private static let iterations = 12

    override func tearDown() async throws {
        for agent in agents { await agent.stop() }
        await auth?.stop()
        auth?.removeFiles()
    }

    private func startAuth(_ name: String, seed: (TestCluster) async throws -> Void) async throws -> CrashableAuthServer {
        let auth = try CrashableAuthServer(storage: .sqlite, name: name)
        self.auth = auth
        try await auth.withState(seed)
        try await auth.start()
        return auth
    }

    private func spawn(_ executable: URL, _ arguments: [String], name: String, in auth: CrashableAuthServer) throws -> ManagedProcess {
        let process = try ManagedProcess(executable, arguments, environment: ["JOINERY_HEARTBEAT_INTERVAL": "1"],
                                         logDirectory: auth.directory, name: name)
        agents.append(process)
        return process
    }

    /// How long after spawning `ready` first holds (bounded), to aim the kills around it.
    private func timeUntil(_ ready: () -> Bool, process: ManagedProcess) async throws -> Duration {
        let start = ContinuousClock.now
        while !ready() {
            guard process.isRunning, start.duration(to: .now) < .seconds(30) else {
                throw TestFailure("the calibration run never got there: \(process.output.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return start.duration(to: .now)
    }

    /// A kill delay in ms: half of them anywhere from 0 to 300 ms (or a little past the join,
    /// if it takes longer), half in the last moments before the identity appeared — while the
    /// files are being written.
    private func killDelay(_ random: SeededRandom, joinTime: Duration) -> Int {
        let join = Int(joinTime / .milliseconds(1))
        return random.chance(0.5) ? random.int(in: 0...max(300, join + 100)) : random.int(in: max(0, join - 40)...(join + 10))
    }

    /// Temporary files a kill left behind mid-write (harmless: never read, replaced next time).
    private static func leftovers(in directory: URL) -> String {
        let names = (FileManager.default.enumerator(atPath: directory.path)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".tmp") }
        return names.isEmpty ? "" : ", left behind: \(names.joined(separator: " "))"
    }

    // MARK: Nodes

    func testANodeKilledAroundItsJoinLeavesNoIdentityOrAWholeOne() async throws {
        let random = SeededRandom.forTest("AgentCrashConsistencyTests.node")
        let token = random.hex()
        let auth = try await startAuth("nodes") { try await $0.addToken(token, roles: [.node], ttl: 3600) }
        let authorities = try XCTUnwrap(auth.authorities)
        let pin = try XCTUnwrap(auth.pins.first)
        @Sendable func arguments(_ name: String) -> [String] {
            ["start", "--roles=node", "--token=\(token)", "--ca-pin=\(pin)", "--auth-server=\(auth.address)",
             "--data-dir=\(auth.directory.appendingPathComponent(name).path)", "--nodename=\(name)"]
        }

        // A node left alone shows when the identity appears; the kills land from 0 ms to a
        // little after that.
        let calibration = try spawn(ClusterProcesses.teleport, arguments("calibration"), name: "calibration", in: auth)
        let store = IdentityStore(dataDirectory: auth.directory.appendingPathComponent("calibration"))
        let joinTime = try await timeUntil({ FileManager.default.fileExists(atPath: store.identityFile.path) }, process: calibration)
        await calibration.stop()

        var stored: [String: Identity?] = [:]
        for index in 0..<Self.iterations {
            let name = "node-\(index)"
            let delay = killDelay(random, joinTime: joinTime)
            let node = try spawn(ClusterProcesses.teleport, arguments(name), name: name, in: auth)
            try await Task.sleep(for: .milliseconds(delay))
            await node.killAbruptly()
            let identity = try checkNodeDataDirectory(auth.directory.appendingPathComponent(name), authorities: authorities, pin: pin)
            print("\(name): killed after \(delay) ms (join takes ~\(joinTime)): \(identity.map { "identity \($0.hostID)" } ?? "no identity")"
                  + Self.leftovers(in: auth.directory.appendingPathComponent(name)))
            stored[name] = identity
        }

        // Restarted on the same data_dir, each node reuses a whole identity or joins afresh.
        var restarted: [(name: String, process: ManagedProcess, identity: Identity?)] = []
        for (name, identity) in stored {
            restarted.append((name, try spawn(ClusterProcesses.teleport, arguments(name), name: name + "-again", in: auth), identity))
        }
        for (name, process, identity) in restarted {
            let expected = identity == nil ? "joined the cluster" : "using the identity in the data directory"
            let seen = await process.waitForOutput(expected, seconds: 30)
            XCTAssertTrue(seen, "\(name) restarted: expected \"\(expected)\": \(process.output.suffix(2000))")
            let now = try IdentityStore(dataDirectory: auth.directory.appendingPathComponent(name)).load()
            if let identity { XCTAssertEqual(now, identity, "\(name) kept its identity") } else { XCTAssertNotNil(now) }
            await process.stop()
        }

        // Every identity a killed node kept is a join the Auth server audited.
        await auth.stop()
        let kept = Set(stored.values.compactMap { $0?.hostID })
        try await auth.withState { cluster in
            let audited = Set(try await cluster.backend.auditEvents(limit: 100_000)
                .filter { $0.type == "instance.join" && $0.success }.map(\.hostID))
            XCTAssertTrue(kept.isSubset(of: audited), "identities without an audited join: \(kept.subtracting(audited))")
        }
    }

    /// The node's data_dir: no identity (and no `host_uuid`), or a whole one.
    private func checkNodeDataDirectory(_ directory: URL, authorities: ClusterAuthorities, pin: CAPin) throws -> Identity? {
        let store = IdentityStore(dataDirectory: directory)
        let identity = try store.load()
        let hostUUID = try? String(contentsOf: store.hostUUIDFile, encoding: .utf8)
        guard let identity else {
            XCTAssertNil(hostUUID, "\(directory.lastPathComponent): host_uuid without identity.json")
            return nil
        }
        let certificate = try Certificate(pemEncoded: identity.tlsCertificate)
        let peer = try authorities.authenticate(certificate, now: Date())
        XCTAssertEqual(peer.hostID, identity.hostID)
        XCTAssertEqual(peer.role, .node)
        XCTAssertEqual(try Certificate.PrivateKey(pemEncoded: identity.tlsPrivateKey).publicKey, certificate.publicKey,
                       "the TLS key matches the certificate")
        let caPins = try identity.tlsCACertificates.map { try CAPin(certificate: try Certificate(pemEncoded: $0)) }
        XCTAssertEqual(caPins, [pin], "the identity trusts the cluster's CA")
        XCTAssertFalse(identity.sshPrivateKey.isEmpty || identity.sshCertificate.isEmpty || identity.sshCAKeys.isEmpty)
        if let hostUUID { XCTAssertEqual(hostUUID.trimmingCharacters(in: .whitespacesAndNewlines), identity.hostID) }
        // The exported files are written before identity.json, so they are this identity's.
        let keys = store.keysDirectory
        XCTAssertEqual(try String(contentsOf: keys.appendingPathComponent("host.crt"), encoding: .utf8), identity.tlsCertificate)
        XCTAssertEqual(try String(contentsOf: keys.appendingPathComponent("host.key"), encoding: .utf8), identity.tlsPrivateKey)
        XCTAssertEqual(try String(contentsOf: keys.appendingPathComponent("ssh_host_key"), encoding: .utf8), identity.sshPrivateKey)
        XCTAssertEqual(try String(contentsOf: keys.appendingPathComponent("ssh_host_key-cert.pub"), encoding: .utf8),
                       identity.sshCertificate + "\n")
        return identity
    }

    // MARK: Bots

    func testABotKilledAroundItsJoinLeavesNoIdentityOrAWholeOne() async throws {
        let tbot = ClusterProcesses.binaries.appendingPathComponent("tbot")
        guard FileManager.default.isExecutableFile(atPath: tbot.path) else {
            throw XCTSkip("tbot binary not found at \(tbot.path); run `swift build` first")
        }
        let random = SeededRandom.forTest("AgentCrashConsistencyTests.bot")
        let tokens = (0...Self.iterations).map { _ in random.hex() }
        let auth = try await startAuth("bots") { cluster in
            for (index, token) in tokens.enumerated() {
                try await cluster.addToken(token, roles: [.bot], botName: "bot-\(index)", ttl: 3600)
            }
        }
        let authorities = try XCTUnwrap(auth.authorities)
        let pin = try XCTUnwrap(auth.pins.first)
        func configuration(_ index: Int) throws -> [String] {
            let file = auth.directory.appendingPathComponent("tbot-\(index).yaml")
            try """
            version: v2
            oneshot: true
            auth_server: \(auth.address)
            onboarding:
              token: \(tokens[index])
              ca_pins: ["\(pin)"]
            storage:
              type: directory
              path: \(auth.directory.appendingPathComponent("bot-\(index)").path)
            services:
              - type: identity
                destination:
                  type: directory
                  path: \(auth.directory.appendingPathComponent("bot-\(index)-out").path)

            """.write(to: file, atomically: true, encoding: .utf8)
            return ["start", "-c", file.path]
        }

        // Bot 0 runs to completion to time the join; the others are killed around that time.
        let calibration = try spawn(tbot, try configuration(0), name: "tbot-0", in: auth)
        let calibrationStore = BotIdentityStore(directory: auth.directory.appendingPathComponent("bot-0"))
        let joinTime = try await timeUntil({ (try? calibrationStore.load()) != nil }, process: calibration)
        _ = await calibration.waitForExit(seconds: 20)

        var kept: [String: BotIdentity] = [:]
        for index in 1...Self.iterations {
            let delay = killDelay(random, joinTime: joinTime)
            let bot = try spawn(tbot, try configuration(index), name: "tbot-\(index)", in: auth)
            try await Task.sleep(for: .milliseconds(delay))
            await bot.killAbruptly()
            let store = BotIdentityStore(directory: auth.directory.appendingPathComponent("bot-\(index)"))
            let identity = try store.load()
            print("bot-\(index): killed after \(delay) ms (join takes ~\(joinTime)): \(identity.map { "identity \($0.instanceID)" } ?? "no identity")"
                  + Self.leftovers(in: store.directory))
            guard let identity else { continue }
            let certificate = try Certificate(pemEncoded: identity.tlsCertificatePEM)
            let peer = try authorities.authenticate(certificate, now: Date())
            XCTAssertEqual(peer.bot?.name, "bot-\(index)")
            XCTAssertEqual(peer.bot?.instanceID, identity.instanceID)
            XCTAssertEqual(peer.bot?.generation, identity.generation)
            XCTAssertEqual(try Certificate.PrivateKey(pemEncoded: identity.privateKeyPEM).publicKey, certificate.publicKey,
                           "bot-\(index): the key matches the certificate")
            XCTAssertFalse(identity.sshCertificate.isEmpty)
            kept["bot-\(index)"] = identity
        }

        // Every identity a killed bot kept is a used token, an instance and an audited join.
        await auth.stop()
        try await auth.withState { cluster in
            let audited = try await cluster.backend.auditEvents(limit: 100_000).filter { $0.type == "bot.join" && $0.success }
            for (name, identity) in kept {
                let instance = try await cluster.server.botInstances.get(botName: name, instanceID: identity.instanceID)
                XCTAssertEqual(instance?.generation, identity.generation, "\(name)'s instance")
                XCTAssertTrue(audited.contains { $0.attributes["bot_instance_id"] == identity.instanceID }, "\(name)'s join is audited")
                let index = Int(name.dropFirst(4))!
                let token = try await cluster.backend.get("/tokens/\(tokens[index])")
                XCTAssertNil(token, "\(name)'s single-use token is used up")
            }
        }
    }
}
