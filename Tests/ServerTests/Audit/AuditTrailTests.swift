import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport
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
/// deadline — run over real gRPC in ``AuditTrailOverGRPCTests``.
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
