import AWSKit
import BoundKeypairJoin
import EC2Join
import Foundation
import IAMJoin
import JoinCore
import JoineryProto
import Server
import StaticJoin
import Synchronization
import TestSupport
import TokenJoin
import X509
import XCTest

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
        ec2.spec.setAWSAllowRules([AWSAllowRule(awsAccount: AuditTrailTests.ec2Account)])
        _ = try await cluster.server.tokens.create(ec2, upsert: false)
        var iam = ProvisionToken(name: "iam-fleet", roles: [.node], joinMethod: "iam", expires: clock.now.addingTimeInterval(86_400 * 30))
        iam.spec.setAWSAllowRules([AWSAllowRule(awsAccount: "123456789012")])
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

    /// A genuine AWS-signed rsa2048 identity document from 2021 (in `Tests/Fixtures`).
    static func genuineDocument() throws -> Data {
        try Fixtures.data("aws-iid/teleport-rsa2048-2021/instance1-us-west-2.rsa2048.b64")
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
        let keys = JoinTestKeys()
        let proof = keys.proof(token: tokenName, role: .bot)
        let stream = try await fixture.run(
            [InMemoryJoinStream.clientInit(token: tokenName, role: .bot, method: "bound_keypair",
                                           payload: try await prover.initialPayload(for: proof), keys: keys)],
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
