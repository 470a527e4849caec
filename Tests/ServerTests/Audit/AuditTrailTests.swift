import Agent
import BoundKeypairJoin
import EC2Join
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import IAMJoin
import JoinCore
import JoineryProto
import Logging
import Server
import StaticJoin
import Synchronization
import TestSupport
import TokenJoin
import X509
import XCTest

/// Security rule 7: every way out of the join pipeline leaves exactly one `instance.join` or
/// `bot.join` event, with the method, the token as it may be shown, the role, the client's
/// address, the verified attributes and, for a refusal, the reason.
///
/// ``AuditTrailTests/cases`` is the list of ways out, one row each: how to provoke it and what
/// its event must say. Rows run one after another against one cluster, each from an address of
/// its own, and each row sees only the events written while it was provoked. A few paths
/// write documented security events beside the join event; a row names them in
/// `alsoRecorded`, and any other extra event fails it:
///
/// - `lock.created`: the pipeline locked something (a cloned bound keypair);
/// - `bound_keypair.join_state_verification_failed`: a proven key presented a stale join state;
/// - `bound_keypair.recovery`: a bound-keypair bot (re)joined without certificates — written
///   for every recovery attempt, with `success: false` and the reason when it was refused.
///
/// Paths where the gRPC layer matters — the client hanging up mid-challenge, the join
/// deadline — run over real gRPC at the end of this file.
final class AuditTrailTests: XCTestCase {
    private var fixture: AuditTrailFixture!

    override func setUp() async throws {
        fixture = try await AuditTrailFixture()
    }

    override func tearDown() async throws {
        await fixture?.stop()
    }

    func testEveryPathOutOfThePipelineLeavesExactlyOneJoinEvent() async throws {
        let cases = Self.cases
        XCTAssertEqual(Set(cases.map(\.name)).count, cases.count, "case names must be unique")
        for (index, trail) in cases.enumerated() {
            let address = "192.0.2.\(index + 1):\(41000 + index)"
            try await fixture.startCounting()
            var failure: (any Error)?
            do {
                try await trail.provoke(fixture, address)
            } catch {
                failure = error
            }
            let events = try await fixture.countedEvents()
            check(trail, address: address, events: events, failure: failure)
        }
    }

    // MARK: The table

    /// How a token must appear in the events of a row.
    enum TokenShown: Sendable {
        /// No token was read (the stream ended before a ClientInit).
        case none
        /// A token whose name is its secret (`token`, `static`): masked, and the value nowhere.
        case masked(String)
        /// A token whose name is not a secret (`ec2`, `iam`, `bound_keypair`): as is.
        case plain(String)
        /// A secret name too long for any token: masked, then cut to the audit log's bound.
        case cut(String)

        var display: String {
            switch self {
            case .none: ""
            case .masked(let secret): SafeName.mask(secret)
            case .plain(let name): name
            case .cut(let secret): String(SafeName.mask(secret).prefix(AuditLog.maximumFieldLength))
            }
        }
    }

    /// One way out of the pipeline and the event it must leave.
    struct Trail: Sendable {
        var name: String
        /// Runs the attempt from `address`; calls ``AuditTrailFixture/startCounting()`` after
        /// any setup whose own joins are not part of the row.
        var provoke: @Sendable (AuditTrailFixture, _ address: String) async throws -> Void
        var success: Bool
        var type: String = "instance.join"
        /// A substring of the recorded reason; nil for a success.
        var reason: String?
        var method: String
        var role: String
        var token: TokenShown
        /// Attributes that must be recorded with exactly these values.
        var attributes: [String: String] = [:]
        /// Attributes that must be recorded with any value.
        var attributesPresent: [String] = []
        /// A secret of the attempt other than the token (a signature) that no event may hold.
        var otherSecret: String?
        /// The documented extra events (types) the path writes beside its join event.
        var alsoRecorded: [String] = []
    }

    static let staticToken = "static-secret-value-0123456789ab"
    static let ec2Account = "278576220453"

    static var cases: [Trail] {
        [
            // Malformed streams: nothing about the client is known but its address.
            Trail(name: "empty stream", provoke: { f, address in
                try await f.run([], from: address)
            }, success: false, reason: "the client closed the stream before sending ClientInit",
                  method: "", role: "", token: .none),
            Trail(name: "first message not ClientInit", provoke: { f, address in
                try await f.run([.with { $0.solution = .with { $0.payload = Data([1, 2, 3]) } }], from: address)
            }, success: false, reason: "the first join message must be ClientInit", method: "", role: "", token: .none),
            Trail(name: "ClientInit without a token name", provoke: { f, address in
                var request = InMemoryJoinStream.clientInit(token: "")
                request.clientInit.tokenName = ""
                try await f.run([request], from: address)
            }, success: false, reason: "TokenName is required", method: "", role: "Node", token: .none),
            Trail(name: "ClientInit without host or bot parameters", provoke: { f, address in
                var request = InMemoryJoinStream.clientInit(token: "params-token-0123456789abcdef")
                request.clientInit.params = nil
                try await f.run([request], from: address)
            }, success: false, reason: "ClientInit must carry host or bot parameters", method: "", role: "Node",
                  token: .masked("params-token-0123456789abcdef")),
            Trail(name: "unknown role", provoke: { f, address in
                var request = InMemoryJoinStream.clientInit(token: "role-token-0123456789abcdef01")
                request.clientInit.systemRole = "Emperor"
                try await f.run([request], from: address)
            }, success: false, reason: "role Emperor is not registered", method: "", role: "Emperor",
                  token: .masked("role-token-0123456789abcdef01")),
            Trail(name: "token name larger than any token", provoke: { f, address in
                try await f.run([InMemoryJoinStream.clientInit(token: AuditTrailFixture.hugeTokenName)], from: address)
            }, success: false, reason: "token expired or not found", method: "", role: "Node",
                  token: .cut(AuditTrailFixture.hugeTokenName)),
            Trail(name: "oversized method payload", provoke: { f, address in
                try await f.cluster.addToken("payload-token-0123456789abcdef", roles: [.node])
                try await f.startCounting()
                let big = Data(repeating: 0x41, count: JoinPipeline.maximumPayloadBytes + 1)
                try await f.run([InMemoryJoinStream.clientInit(token: "payload-token-0123456789abcdef", method: "token", payload: big)],
                                from: address)
            }, success: false, reason: "the limit is", method: "token", role: "Node", token: .masked("payload-token-0123456789abcdef")),
            Trail(name: "public SSH key that does not parse", provoke: { f, address in
                var request = InMemoryJoinStream.clientInit(token: "keys-token-0123456789abcdef01")
                request.clientInit.hostParams.publicKeys.publicSshKey = Data("not a key".utf8)
                try await f.run([request], from: address)
            }, success: false, reason: "public_ssh_key is not an SSH public key", method: "", role: "Node",
                  token: .masked("keys-token-0123456789abcdef01")),
            Trail(name: "missing public keys", provoke: { f, address in
                var request = InMemoryJoinStream.clientInit(token: "nokeys-token-0123456789abcdef")
                request.clientInit.hostParams.publicKeys = .init()
                try await f.run([request], from: address)
            }, success: false, reason: "both public_tls_key and public_ssh_key are required", method: "", role: "Node",
                  token: .masked("nokeys-token-0123456789abcdef")),

            // Token lookup, method and role: refused before any proof.
            Trail(name: "unknown token (token method, wrong secret)", provoke: { f, address in
                try await f.run([InMemoryJoinStream.clientInit(token: "never-issued-token-0123456789ab", method: "token")], from: address)
            }, success: false, reason: "token expired or not found", method: "token", role: "Node",
                  token: .masked("never-issued-token-0123456789ab")),
            Trail(name: "static method, wrong secret", provoke: { f, address in
                try await f.run([InMemoryJoinStream.clientInit(token: "static-secret-value-0123456789ac", role: .proxy, method: "static")],
                                from: address)
            }, success: false, reason: "token expired or not found", method: "static", role: "Proxy",
                  token: .masked("static-secret-value-0123456789ac")),
            Trail(name: "expired token", provoke: { f, address in
                try await f.cluster.addToken("expiring-token-0123456789abcdef", roles: [.node], ttl: 1)
                f.clock.advance(by: 2)
                try await f.startCounting()
                try await f.run([InMemoryJoinStream.clientInit(token: "expiring-token-0123456789abcdef")], from: address)
            }, success: false, reason: "token expired or not found", method: "", role: "Node",
                  token: .masked("expiring-token-0123456789abcdef")),
            Trail(name: "wrong method", provoke: { f, address in
                try await f.cluster.addToken("method-token-0123456789abcdef0", roles: [.node])
                try await f.startCounting()
                try await f.run([InMemoryJoinStream.clientInit(token: "method-token-0123456789abcdef0", method: "ec2")], from: address)
            }, success: false, reason: "only supports method token", method: "token", role: "Node",
                  token: .masked("method-token-0123456789abcdef0")),
            Trail(name: "role the token does not allow", provoke: { f, address in
                try await f.cluster.addToken("role-only-node-0123456789abcde", roles: [.node])
                try await f.startCounting()
                try await f.run([InMemoryJoinStream.clientInit(token: "role-only-node-0123456789abcde", role: .proxy)], from: address)
            }, success: false, reason: "the token does not allow role Proxy", method: "token", role: "Proxy",
                  token: .masked("role-only-node-0123456789abcde")),
            Trail(name: "Instance role from a token without local service roles", provoke: { f, address in
                try await f.cluster.addToken("instance-bot-token-0123456789ab", roles: [.bot], botName: "instance-robot")
                try await f.startCounting()
                try await f.run([InMemoryJoinStream.clientInit(token: "instance-bot-token-0123456789ab", role: .instance)], from: address)
            }, success: false, reason: "token contains no local service roles", method: "token", role: "Instance",
                  token: .masked("instance-bot-token-0123456789ab")),
            Trail(name: "bot token for a bot that does not exist", provoke: { f, address in
                var token = ProvisionToken(name: "ghost-bot-token-0123456789abcd", roles: [.bot], expires: f.clock.now.addingTimeInterval(600))
                token.spec.botName = "ghost"
                _ = try await f.cluster.server.tokens.create(token, upsert: false)
                try await f.startCounting()
                try await f.run([InMemoryJoinStream.clientInit(token: "ghost-bot-token-0123456789abcd", role: .bot)], from: address)
            }, success: false, type: "bot.join", reason: "bot \"ghost\" does not exist", method: "token", role: "Bot",
                  token: .masked("ghost-bot-token-0123456789abcd")),
            Trail(name: "bot certificate presented for another bot's token", provoke: { f, address in
                try await f.cluster.addToken("alpha-bot-token-0123456789abcd", roles: [.bot], botName: "alpha")
                let alpha = try await f.run([InMemoryJoinStream.clientInit(token: "alpha-bot-token-0123456789abcd", role: .bot)],
                                            from: "198.51.100.1:5000")
                let certificate = try Certificate(derEncoded: Array(try XCTUnwrap(alpha.result).certificates.tlsCert))
                try await f.cluster.addToken("beta-bot-token-0123456789abcde", roles: [.bot], botName: "beta")
                try await f.startCounting()
                try await f.run([InMemoryJoinStream.clientInit(token: "beta-bot-token-0123456789abcde", role: .bot)],
                                from: address, presenting: certificate)
            }, success: false, type: "bot.join", reason: "the presented identity belongs to bot alpha, but this token is for bot beta",
                  method: "token", role: "Bot", token: .masked("beta-bot-token-0123456789abcde")),
            Trail(name: "rate limited", provoke: { f, address in
                for _ in 0..<AuditTrailFixture.burst {
                    _ = try? await f.run([InMemoryJoinStream.clientInit(token: "guess-token-0123456789abcdef0")], from: address)
                }
                try await f.startCounting()
                try await f.run([InMemoryJoinStream.clientInit(token: "guess-token-0123456789abcdef0")], from: address)
            }, success: false, reason: "too many join attempts", method: "", role: "Node", token: .masked("guess-token-0123456789abcdef0")),
            Trail(name: "locked token", provoke: { f, address in
                try await f.cluster.addToken("locked-token-0123456789abcdef0", roles: [.node])
                _ = try await f.cluster.server.locks.create(
                    LockResource(name: "", target: .joinToken("locked-token-0123456789abcdef0"), message: "suspected leak",
                                 createdAt: nil, createdBy: "test"), upsert: false)
                try await f.startCounting()
                try await f.run([InMemoryJoinStream.clientInit(token: "locked-token-0123456789abcdef0")], from: address)
            }, success: false, reason: "is locked: suspected leak", method: "token", role: "Node",
                  token: .masked("locked-token-0123456789abcdef0")),

            // The methods' own refusals.
            Trail(name: "ec2: payload that is not an identity document", provoke: { f, address in
                try await f.run([InMemoryJoinStream.clientInit(token: "ec2-fleet", method: "ec2", payload: Data("not a document".utf8))],
                                from: address)
            }, success: false, reason: "unable to decode Instance Identity Document", method: "ec2", role: "Node",
                  token: .plain("ec2-fleet")),
            Trail(name: "ec2: genuine document past its TTL (replayed)", provoke: { f, address in
                try await f.run([InMemoryJoinStream.clientInit(token: "ec2-fleet", method: "ec2", payload: try AuditTrailFixture.genuineDocument())],
                                from: address)
            }, success: false, reason: "is older than the configured TTL", method: "ec2", role: "Node", token: .plain("ec2-fleet"),
                  attributes: ["aws_account": ec2Account, "aws_region": "us-west-2", "instance_id": "i-078517ca8a70a1dde"]),
            Trail(name: "iam: signed request for a host off the allow-list", provoke: { f, address in
                try await f.run([InMemoryJoinStream.clientInit(token: "iam-fleet", method: "iam")], from: address) { challenge in
                    AuditTrailFixture.stsRequest(host: "sts.attacker.example", challenge: String(decoding: challenge, as: UTF8.self))
                }
            }, success: false, reason: "uses unknown STS host", method: "iam", role: "Node", token: .plain("iam-fleet"),
                  otherSecret: AuditTrailFixture.stsSignature),
            Trail(name: "iam: replayed request carrying another attempt's challenge", provoke: { f, address in
                try await f.run([InMemoryJoinStream.clientInit(token: "iam-fleet", method: "iam")], from: address) { _ in
                    AuditTrailFixture.stsRequest(host: "sts.amazonaws.com", challenge: "an-earlier-attempts-challenge-0000000000000")
                }
            }, success: false, reason: "does not include challenge header or it does not match", method: "iam", role: "Node",
                  token: .plain("iam-fleet"), otherSecret: AuditTrailFixture.stsSignature),
            Trail(name: "client closes the stream mid-challenge", provoke: { f, address in
                try await f.run([InMemoryJoinStream.clientInit(token: "iam-fleet", method: "iam")], from: address)
            }, success: false, reason: "the client closed the stream before answering the challenge", method: "iam", role: "Node",
                  token: .plain("iam-fleet")),
            Trail(name: "task cancelled mid-challenge", provoke: { f, address in
                let stream = StalledJoinStream([InMemoryJoinStream.clientInit(token: "iam-fleet", method: "iam")])
                let pipeline = f.cluster.server.joinPipeline
                let attempt = Task { try await pipeline.run(stream, remoteAddress: address) }
                await stream.waitForChallenge()
                attempt.cancel()
                try await attempt.value
            }, success: false, reason: "join attempt timed out or was aborted", method: "iam", role: "Node", token: .plain("iam-fleet")),
            Trail(name: "bound_keypair: invalid challenge solution", provoke: { f, address in
                let bot = try await f.boundKeypairBot("bkp-bad-solution")
                try await f.startCounting()
                _ = try await bot.join(from: address) { solution in solution.prefix(solution.count / 2) }
            }, success: false, type: "bot.join", reason: "the challenge solution is not valid", method: "bound_keypair", role: "Bot",
                  token: .plain("bkp-bad-solution"), alsoRecorded: ["bound_keypair.recovery"]),
            Trail(name: "bound_keypair: cloned keypair with a stale join state", provoke: { f, address in
                let bot = try await f.boundKeypairBot("bkp-cloned")
                _ = try await bot.join(from: "198.51.100.2:5000")
                let clone = try bot.copy()
                f.clock.advance(by: 3600)
                _ = try await bot.join(from: "198.51.100.3:5000")
                try await f.startCounting()
                _ = try await clone.join(from: address)
            }, success: false, type: "bot.join", reason: "join state verification failed", method: "bound_keypair", role: "Bot",
                  token: .plain("bkp-cloned"), attributesPresent: ["join_state_failure"],
                  alsoRecorded: ["bound_keypair.join_state_verification_failed", "lock.created", "bound_keypair.recovery"]),

            // Admitted.
            Trail(name: "host joins with a token", provoke: { f, address in
                try await f.cluster.addToken("host-token-0123456789abcdef012", roles: [.node])
                try await f.startCounting()
                try await f.run([InMemoryJoinStream.clientInit(token: "host-token-0123456789abcdef012")], from: address)
            }, success: true, method: "token", role: "Node", token: .masked("host-token-0123456789abcdef012")),
            Trail(name: "host joins with a static token", provoke: { f, address in
                try await f.run([InMemoryJoinStream.clientInit(token: staticToken, role: .proxy, method: "token")], from: address)
            }, success: true, method: "static", role: "Proxy", token: .masked(staticToken),
                  attributes: ["token_origin": "config-file"]),
            Trail(name: "bot joins with a token", provoke: { f, address in
                try await f.cluster.addToken("bot-token-0123456789abcdef0123", roles: [.bot], botName: "gamma")
                try await f.startCounting()
                try await f.run([InMemoryJoinStream.clientInit(token: "bot-token-0123456789abcdef0123", role: .bot)], from: address)
            }, success: true, type: "bot.join", method: "token", role: "Bot", token: .masked("bot-token-0123456789abcdef0123"),
                  attributes: ["bot_generation": "1"], attributesPresent: ["bot_instance_id"]),
            Trail(name: "bot joins with a bound keypair", provoke: { f, address in
                let bot = try await f.boundKeypairBot("bkp-onboarding")
                try await f.startCounting()
                _ = try await bot.join(from: address)
            }, success: true, type: "bot.join", method: "bound_keypair", role: "Bot", token: .plain("bkp-onboarding"),
                  attributes: ["bot_generation": "1"], attributesPresent: ["bot_instance_id"],
                  alsoRecorded: ["bound_keypair.recovery"]),
        ]
    }

    // MARK: Checking a row

    private func check(_ trail: Trail, address: String, events: [AuditEvent], failure: (any Error)?) {
        let name = trail.name
        if trail.success, let failure {
            XCTFail("\(name): the join should have succeeded but failed with \(failure)")
        }
        if !trail.success, failure == nil {
            XCTFail("\(name): the join should have been refused")
        }
        let joins = events.filter { $0.type == "instance.join" || $0.type == "bot.join" }
        let others = events.filter { $0.type != "instance.join" && $0.type != "bot.join" }
        XCTAssertEqual(joins.count, 1, "\(name): expected exactly one join event, got \(events.map(\.type))")
        XCTAssertEqual(others.map(\.type).sorted(), trail.alsoRecorded.sorted(), "\(name): extra events")
        guard let event = joins.first else { return }

        XCTAssertEqual(event.type, trail.type, name)
        XCTAssertEqual(event.success, trail.success, "\(name): success")
        XCTAssertEqual(event.code.hasSuffix("I"), trail.success, "\(name): code \(event.code)")
        if let reason = trail.reason {
            XCTAssertTrue(event.reason?.contains(reason) == true, "\(name): reason was \(event.reason ?? "nil")")
        } else {
            XCTAssertNil(event.reason, name)
        }
        XCTAssertEqual(event.method, trail.method, "\(name): method")
        XCTAssertEqual(event.role, trail.role, "\(name): role")
        XCTAssertEqual(event.tokenName, trail.token.display, "\(name): token")
        XCTAssertEqual(event.remoteAddress, address, "\(name): remote address")
        for (key, value) in trail.attributes {
            XCTAssertEqual(event.attributes[key], value, "\(name): attribute \(key) in \(event.attributes)")
        }
        for key in trail.attributesPresent {
            XCTAssertNotNil(event.attributes[key], "\(name): attribute \(key) missing from \(event.attributes)")
        }
        if trail.success, trail.type == "instance.join" {
            XCTAssertFalse(event.hostID.isEmpty, "\(name): a joined host has a host ID")
        }
        for other in others {
            XCTAssertEqual(other.remoteAddress, address, "\(name): \(other.type) remote address")
            XCTAssertEqual(other.tokenName, trail.token.display, "\(name): \(other.type) token")
            XCTAssertEqual(other.method, trail.method, "\(name): \(other.type) method")
        }

        var secrets: [String] = []
        switch trail.token {
        case .masked(let secret), .cut(let secret): if !secret.isEmpty { secrets.append(secret) }
        case .none, .plain: break
        }
        if let other = trail.otherSecret { secrets.append(other) }
        for event in events {
            let json = String(decoding: (try? JSONEncoder().encode(event)) ?? Data(), as: UTF8.self)
            for secret in secrets {
                XCTAssertFalse(json.contains(secret), "\(name): a \(event.type) event holds a secret: \(json)")
                let hidden = String(secret.prefix(secret.count * 3 / 4))
                XCTAssertFalse(json.contains(hidden), "\(name): a \(event.type) event holds the masked part of a secret")
            }
        }
    }
}

/// One cluster with every built-in method, a frozen clock, a low rate limit (so one row can
/// reach it) and the tokens the method rows use.
final class AuditTrailFixture: Sendable {
    static let burst = 3
    /// 200 000 characters: a whole message of token name.
    static let hugeTokenName = String(repeating: "0123456789abcdef", count: 12_500)
    static let stsSignature = String(repeating: "5d", count: 32)

    let cluster: TestCluster
    let registry = JoinMethodRegistry(plugins: [.staticTokens, .storedTokens, .ec2, .iam, .boundKeypair])
    let clock: ManualClock
    let scratch: URL
    private let counted = Mutex(0)

    init() async throws {
        clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        cluster = try await TestCluster(
            registry: registry,
            staticTokens: ["node,proxy:\(AuditTrailTests.staticToken)"], clock: clock,
            rateLimits: .init(averagePerSecond: 0.0001, burst: Double(Self.burst)))
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("audit-trail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)

        var ec2 = ProvisionToken(name: "ec2-fleet", roles: [.node], joinMethod: "ec2", expires: clock.now.addingTimeInterval(86_400 * 30))
        ec2.spec.allow = [TokenRule(awsAccount: AuditTrailTests.ec2Account)]
        _ = try await cluster.server.tokens.create(ec2, upsert: false)
        var iam = ProvisionToken(name: "iam-fleet", roles: [.node], joinMethod: "iam", expires: clock.now.addingTimeInterval(86_400 * 30))
        iam.spec.allow = [TokenRule(awsAccount: "123456789012")]
        _ = try await cluster.server.tokens.create(iam, upsert: false)
    }

    func stop() async {
        await cluster.stop()
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Events from here on belong to the row being run.
    func startCounting() async throws {
        let count = try await cluster.backend.auditEvents(limit: 100_000).count
        counted.withLock { $0 = count }
    }

    func countedEvents() async throws -> [AuditEvent] {
        let all = try await cluster.backend.auditEvents(limit: 100_000)
        return Array(all.dropFirst(counted.withLock { $0 }))
    }

    /// Runs one join through the pipeline; `answer` solves challenges (none: the client closes).
    @discardableResult
    func run(_ requests: [Joinery_V1_JoinRequest], from address: String, presenting certificate: Certificate? = nil,
             answer: (@Sendable (Data) async throws -> Data)? = nil) async throws -> InMemoryJoinStream {
        let stream = InMemoryJoinStream(requests, answer: answer)
        try await cluster.server.joinPipeline.run(stream, remoteAddress: address, presentedCertificate: certificate)
        return stream
    }

    /// A bot with a bound-keypair token named `tokenName` and its key in a fresh directory.
    func boundKeypairBot(_ tokenName: String) async throws -> BoundKeypairBot {
        let botName = tokenName + "-bot"
        try await cluster.addBot(botName)
        let storage = scratch.appendingPathComponent(tokenName)
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        let key = try BoundKeypairClientState.createKeypair(in: storage, suite: JoinPipeline.signatureSuite, overwrite: false).publicKey
        var token = ProvisionToken(name: tokenName, roles: [.bot], joinMethod: "bound_keypair", expires: clock.now.addingTimeInterval(86_400 * 30))
        token.spec.botName = botName
        token.spec.methodSections["bound_keypair"] = .object([
            "onboarding": .object(["initial_public_key": .string(key.authorizedKey)]),
            "recovery": .object(["mode": .string("relaxed")]),
        ])
        _ = try await cluster.server.tokens.create(token, upsert: false)
        return BoundKeypairBot(fixture: self, tokenName: tokenName, storage: storage)
    }

    /// A genuine AWS-signed rsa2048 identity document from 2021 (shared test data).
    static func genuineDocument() throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/testdata/aws-iid/teleport-rsa2048-2021/instance1-us-west-2.rsa2048.b64")
            .standardizedFileURL)
    }

    /// A well-formed, SigV4-shaped `sts:GetCallerIdentity` request to `host` carrying `challenge`.
    static func stsRequest(host: String, challenge: String) -> Data {
        let body = "Action=GetCallerIdentity&Version=2011-06-15"
        let head = [
            "POST / HTTP/1.1", "Host: \(host)", "Accept: application/json",
            "Content-Length: \(body.utf8.count)", "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
            "X-Amz-Date: 20270115T080000Z", "X-Teleport-Challenge: \(challenge)",
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20270115/us-east-1/sts/aws4_request, "
                + "SignedHeaders=accept;content-length;content-type;host;x-amz-date;x-teleport-challenge, Signature=\(stsSignature)",
        ]
        return Data((head.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }
}

/// A bound-keypair bot's client side: its storage directory and a real prover over it.
struct BoundKeypairBot: Sendable {
    let fixture: AuditTrailFixture
    let tokenName: String
    let storage: URL

    /// Joins through the pipeline (without certificates, so a recovery), storing what the
    /// server returns; `tamper` may change each solution before it is sent.
    @discardableResult
    func join(from address: String, tamper: @escaping @Sendable (Data) -> Data = { $0 }) async throws -> InMemoryJoinStream {
        let prover = try fixture.registry.makeProver(
            named: "bound_keypair", context: ProverContext(clock: fixture.clock, dataDirectory: storage))
        let proof = ProofRequest(tokenName: tokenName, role: .bot, nodeName: "")
        let stream = try await fixture.run(
            [InMemoryJoinStream.clientInit(token: tokenName, role: .bot, method: "bound_keypair",
                                           payload: try await prover.initialPayload(for: proof))],
            from: address) { challenge in
                let solution = try await prover.answer(challenge, for: proof)
                return tamper(solution)
            }
        try await prover.finish(methodResult: try XCTUnwrap(stream.result).methodResult, for: proof)
        return stream
    }

    /// A byte-for-byte copy of the bot's storage, as someone who stole it would hold.
    func copy() throws -> BoundKeypairBot {
        let stolen = storage.deletingLastPathComponent().appendingPathComponent(storage.lastPathComponent + "-stolen")
        try FileManager.default.copyItem(at: storage, to: stolen)
        return BoundKeypairBot(fixture: fixture, tokenName: tokenName, storage: stolen)
    }
}

/// A client that sends its messages and then neither answers nor hangs up: `receive` waits
/// until the task running the pipeline is cancelled.
final class StalledJoinStream: JoinStream {
    private let requests: Mutex<[Joinery_V1_JoinRequest]>
    private let challenged: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init(_ requests: [Joinery_V1_JoinRequest]) {
        self.requests = Mutex(requests)
        (challenged, signal) = AsyncStream<Void>.makeStream()
    }

    func receive() async throws -> Joinery_V1_JoinRequest? {
        if let next = requests.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return next }
        try await Task.sleep(for: .seconds(3600))
        return nil
    }

    func send(_ response: Joinery_V1_JoinResponse) async throws {
        if case .challenge? = response.payload { signal.yield() }
    }

    /// Returns once the server has sent a challenge.
    func waitForChallenge() async {
        var iterator = challenged.makeAsyncIterator()
        _ = await iterator.next()
    }
}

/// The ways out that only exist over the network: the client hanging up in the middle of a
/// challenge, and the join deadline passing. Each still leaves exactly one join event.
final class AuditTrailOverGRPCTests: XCTestCase {
    private var directory: URL!
    private var server: AuthServer!
    private var serving: Task<Void, any Error>?

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-grpc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        serving?.cancel()
        _ = try? await serving?.value
        try? await server?.backend.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts an Auth server with the `iam` method (whose challenge a client can leave
    /// unanswered), an `iam-fleet` token and a join deadline of `joinTimeoutSeconds`.
    private func startAuth(joinTimeoutSeconds: Double) async throws -> AuthAddress {
        let clock = SystemClock()
        let context = PluginContext(clock: clock, logger: Logger(label: "test"), authService: .object([:]))
        let methods = try JoinMethodRegistry(plugins: [.storedTokens, .iam]).makeMethods(context: context)
        let backend = try SQLiteBackend(path: directory.appendingPathComponent("backend.sqlite"), clock: clock)
        let server = try await AuthServer(
            settings: AuthServerSettings(clusterName: TestCluster.clusterName, listenHost: "127.0.0.1", listenPort: 0,
                                         advertiseAddress: "127.0.0.1:0", dataDirectory: directory.appendingPathComponent("auth"),
                                         version: "test", joinTimeoutSeconds: joinTimeoutSeconds),
            backend: backend, methods: methods, clock: clock, logger: Logger(label: "test-auth"))
        self.server = server
        var token = ProvisionToken(name: "iam-fleet", roles: [.node], joinMethod: "iam", expires: Date().addingTimeInterval(3600))
        token.spec.allow = [TokenRule(awsAccount: "123456789012")]
        _ = try await server.tokens.create(token, upsert: false)

        let (ready, continuation) = AsyncStream<String>.makeStream()
        serving = Task { try await server.run(onListening: { continuation.yield($0); continuation.finish() }) }
        var iterator = ready.makeAsyncIterator()
        guard let text = await iterator.next() else { throw JoinError.unavailable("the test Auth server did not start") }
        return try AuthAddress(parsing: text)
    }

    private struct HangUp: Error {}

    /// Opens a join stream, sends `messages`, and calls `onChallenge` when the first challenge
    /// arrives; the request side stays open until the call ends.
    private func join(_ address: AuthAddress, sending messages: [Joinery_V1_JoinRequest],
                      onChallenge: @escaping @Sendable () async throws -> Void) async throws {
        try await withGRPCClient(transport: try AuthTransports.unverified(address)) { client in
            let service = Joinery_V1_JoinService.Client(wrapping: client)
            try await service.join(request: StreamingClientRequest { writer in
                for message in messages { try await writer.write(message) }
                try await Task.sleep(for: .seconds(30))
            }) { response in
                for try await message in response.messages {
                    if case .challenge? = message.payload { try await onChallenge() }
                }
            }
        }
    }

    /// The join events once one has been written and a moment has passed for a second.
    private func settledJoinEvents() async throws -> [AuditEvent] {
        let deadline = ContinuousClock.now + .seconds(10)
        var events: [AuditEvent] = []
        while ContinuousClock.now < deadline {
            events = try await server.backend.auditEvents(limit: 100).filter { $0.type == "instance.join" }
            if !events.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(500))
        return try await server.backend.auditEvents(limit: 100).filter { $0.type == "instance.join" }
    }

    func testAClientThatHangsUpMidChallengeLeavesOneEvent() async throws {
        let address = try await startAuth(joinTimeoutSeconds: 30)
        do {
            try await join(address, sending: [InMemoryJoinStream.clientInit(token: "iam-fleet", method: "iam")]) { throw HangUp() }
            XCTFail("the call should have ended with the client's error")
        } catch is HangUp {
        } catch {
            XCTFail("expected the client's own error, got \(error)")
        }
        let events = try await settledJoinEvents()
        XCTAssertEqual(events.count, 1, "\(events)")
        let event = try XCTUnwrap(events.first)
        XCTAssertFalse(event.success)
        XCTAssertTrue(event.reason?.contains("join attempt timed out or was aborted") == true, event.reason ?? "nil")
        XCTAssertEqual(event.method, "iam")
        XCTAssertEqual(event.tokenName, "iam-fleet")
        XCTAssertEqual(event.role, "Node")
        XCTAssertTrue(event.remoteAddress.hasPrefix("127.0.0.1:"), event.remoteAddress)
    }

    func testAClientSilentAtTheChallengeIsCutOffAtTheDeadlineWithOneEvent() async throws {
        let address = try await startAuth(joinTimeoutSeconds: 1)
        let started = ContinuousClock.now
        do {
            try await join(address, sending: [InMemoryJoinStream.clientInit(token: "iam-fleet", method: "iam")]) {}
            XCTFail("the server should have ended the join at its deadline")
        } catch let error as RPCError {
            XCTAssertTrue(error.message.contains("join attempt timed out after 1s"), "\(error)")
        }
        XCTAssertLessThan(started.duration(to: .now), .seconds(10), "the deadline must end the join, not the client")
        let events = try await settledJoinEvents()
        XCTAssertEqual(events.count, 1, "\(events)")
        let event = try XCTUnwrap(events.first)
        XCTAssertFalse(event.success)
        XCTAssertTrue(event.reason?.contains("join attempt timed out or was aborted") == true, event.reason ?? "nil")
        XCTAssertEqual(event.method, "iam")
        XCTAssertEqual(event.tokenName, "iam-fleet")
        XCTAssertTrue(event.remoteAddress.hasPrefix("127.0.0.1:"), event.remoteAddress)
    }

    func testAStreamThatNeverSendsClientInitIsCutOffAtTheDeadlineWithOneEvent() async throws {
        let address = try await startAuth(joinTimeoutSeconds: 1)
        do {
            try await join(address, sending: []) {}
            XCTFail("the server should have ended the join at its deadline")
        } catch let error as RPCError {
            XCTAssertTrue(error.message.contains("join attempt timed out after 1s"), "\(error)")
        }
        let events = try await settledJoinEvents()
        XCTAssertEqual(events.count, 1, "\(events)")
        XCTAssertEqual(events.first?.success, false)
        XCTAssertTrue(events.first?.reason?.contains("join attempt timed out or was aborted") == true, events.first?.reason ?? "nil")
        XCTAssertEqual(events.first?.method, "")
        XCTAssertTrue(events.first?.remoteAddress.hasPrefix("127.0.0.1:") == true)
    }
}
