import Agent
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Server
import TestSupport
import Transport
import X509
import XCTest

/// `InventoryService.HeartbeatStream` over real gRPC and TLS: one stream carries a node's
/// heartbeats, each answered and recorded; the caller is authenticated once, but a lock or the
/// certificate's expiry still bites on the very next beat of a stream already open; identities
/// that are not joined hosts cannot open one.
final class HeartbeatStreamTests: XCTestCase {
    private var cluster: TestCluster!
    private var address: AuthAddress!
    private let clock = ManualClock(Date())

    override func setUp() async throws {
        // XCTest makes every test's instance when the run starts; the clock starts with the test.
        clock.set(Date())
        cluster = try await TestCluster(clock: clock)
        address = try await cluster.start()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private func joinNode() async throws -> Identity {
        try await cluster.addToken("stream-node-token-0123456789abcdef", roles: [.node])
        return try await cluster.joinClient().join(JoinParameters(
            authServer: address, tokenName: "stream-node-token-0123456789abcdef", method: "token", role: .node,
            nodeName: "streaming-node", caPins: cluster.pins()))
    }

    private func transport(_ identity: Identity) throws -> HTTP2ClientTransport.Posix {
        try AuthTransports.authenticated(address, certificatePEM: identity.tlsCertificate, keyPEM: identity.tlsPrivateKey,
                                         trustedCAsPEM: identity.tlsCACertificates)
    }

    private static func beat(_ hostname: String) -> Joinery_V1_HeartbeatRequest {
        .with {
            $0.hostname = hostname
            $0.addr = "127.0.0.1:3022"
            $0.version = "test"
        }
    }

    /// Opens one stream over `transport` and runs `script` on it: `send` writes a beat, `answer`
    /// waits for the next answer (nil once the stream has ended). Returns how the call ended.
    private func stream(
        over transport: HTTP2ClientTransport.Posix,
        _ script: @escaping @Sendable (_ send: @Sendable (String) -> Void, _ answer: @Sendable () async throws -> Joinery_V1_HeartbeatResponse?) async throws -> Void
    ) async throws {
        let (outbound, continuation) = AsyncStream<Joinery_V1_HeartbeatRequest>.makeStream()
        let (answers, answered) = AsyncThrowingStream<Joinery_V1_HeartbeatResponse, any Error>.makeStream()
        let request = StreamingClientRequest<Joinery_V1_HeartbeatRequest> { writer in
            for await message in outbound { try await writer.write(message) }
        }
        try await withGRPCClient(transport: transport) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await Joinery_V1_InventoryService.Client(wrapping: client).heartbeatStream(request: request) { response in
                            for try await message in response.messages { answered.yield(message) }
                        }
                        answered.finish()
                    } catch {
                        answered.finish(throwing: error)
                    }
                }
                group.addTask {
                    let iterator = AnswerIterator(answers.makeAsyncIterator())
                    defer { continuation.finish() }
                    try await script({ continuation.yield(Self.beat($0)) }, { try await iterator.next() })
                }
                try await group.waitForAll()
            }
        }
    }

    private func listed() async throws -> [NodeRecord] { try await cluster.server.nodes.list() }

    func testOneStreamCarriesEveryHeartbeatEachAnsweredAndRecorded() async throws {
        let node = try await joinNode()
        try await stream(over: transport(node)) { send, answer in
            for round in 1...3 {
                send("streaming-node-\(round)")
                let response = try await answer()
                XCTAssertEqual(response?.ttlSeconds, Int64(NodeRegistry.defaultTTL))
            }
        }
        let records = try await listed()
        XCTAssertEqual(records.map(\.hostname), ["streaming-node-3"], "the last beat of the stream is what is listed")
        XCTAssertEqual(records.map(\.hostID), [node.hostID], "the host ID is the certificate's")
    }

    func testALockCreatedWhileTheStreamIsOpenEndsItOnTheNextBeat() async throws {
        let node = try await joinNode()
        let server = cluster.server
        do {
            try await stream(over: transport(node)) { send, answer in
                send("streaming-node")
                let first = try await answer()
                XCTAssertNotNil(first)
                _ = try await server.locks.create(
                    LockResource(name: "", target: .serverID(node.hostID), message: "maintenance", expires: nil, createdAt: nil,
                                 createdBy: "test"), upsert: false)
                send("streaming-node-after-lock")
                _ = try await answer()
                XCTFail("the beat after the lock was answered")
            }
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .permissionDenied, "\(error)")
            XCTAssertTrue(error.message.contains("is locked: maintenance"), error.message)
        }
        let hostnames = try await listed().map(\.hostname)
        XCTAssertEqual(hostnames, ["streaming-node"], "the refused beat was not recorded")
    }

    func testACertificateThatExpiresWhileTheStreamIsOpenIsRefusedOnItsNextBeat() async throws {
        let node = try await joinNode()
        let clock = self.clock
        let expiry = try Certificate(pemEncoded: node.tlsCertificate).notValidAfter
        do {
            try await stream(over: transport(node)) { send, answer in
                send("streaming-node")
                let first = try await answer()
                XCTAssertNotNil(first)
                clock.set(expiry.addingTimeInterval(1))
                send("streaming-node-expired")
                _ = try await answer()
                XCTFail("a beat past the certificate's expiry was answered")
            }
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .permissionDenied, "\(error)")
            XCTAssertTrue(error.message.contains("the presented certificate expired at"), error.message)
            XCTAssertTrue(error.message.contains("join again"), error.message)
        }
        // Back to before the first record's TTL ran out: a record written by the refused beat
        // would show its hostname.
        clock.set(Date())
        let hostnames = try await listed().map(\.hostname)
        XCTAssertEqual(hostnames, ["streaming-node"], "the refused beat changed nothing")
    }

    /// A beat with a field past its bound ends the stream with the field named, after the
    /// beats before it were recorded and without recording it.
    func testAnOversizedBeatEndsTheStreamAndIsNotRecorded() async throws {
        let node = try await joinNode()
        do {
            try await stream(over: transport(node)) { send, answer in
                send("streaming-node")
                let first = try await answer()
                XCTAssertNotNil(first)
                send(String(repeating: "h", count: HeartbeatFields.maximumHostnameLength + 1))
                _ = try await answer()
                XCTFail("an oversized hostname was answered")
            }
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .invalidArgument, "\(error)")
            XCTAssertTrue(error.message.contains("hostname"), error.message)
        }
        let hostnames = try await listed().map(\.hostname)
        XCTAssertEqual(hostnames, ["streaming-node"])
    }

    func testABotCannotOpenAHeartbeatStream() async throws {
        try await cluster.addBot("robot")
        try await cluster.addToken("stream-bot-token-0123456789abcdef", roles: [.bot], botName: "robot")
        let bot = try await cluster.joinClient().joinBot(try cluster.botParameters(token: "stream-bot-token-0123456789abcdef"))
        do {
            let transport = try AuthTransports.authenticated(
                address, certificatePEM: bot.tlsCertificatePEM, keyPEM: bot.privateKeyPEM, trustedCAsPEM: bot.tlsCACertificatesPEM)
            try await stream(over: transport) { send, answer in
                send("not-a-node")
                _ = try await answer()
                XCTFail("a bot's heartbeat was answered")
            }
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .permissionDenied, "\(error)")
            XCTAssertTrue(error.message.contains("only joined hosts may heartbeat"), error.message)
        }
        let listed = try await listed()
        XCTAssertEqual(listed, [])
    }
}

/// Lets the test's script, a `@Sendable` closure, pull answers one at a time.
private final class AnswerIterator: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<Joinery_V1_HeartbeatResponse, any Error>.AsyncIterator
    init(_ iterator: AsyncThrowingStream<Joinery_V1_HeartbeatResponse, any Error>.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> Joinery_V1_HeartbeatResponse? { try await iterator.next() }
}
