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

/// The bounds on one join stream (DESIGN.md §7), over real gRPC and TLS: the message size,
/// the join deadline, and how many streams one host may hold open at once.
final class JoinStreamLimitsTests: XCTestCase {
    private let token = "stream-limits-token-0123456789ab"

    private func challengeInit(nodeName: String = "node-1") -> Joinery_V1_JoinRequest {
        InMemoryJoinStream.clientInit(token: token, method: ChallengeRoundMethod.methodName, nodeName: nodeName)
    }

    /// Polls `condition` (the server ends a stream a moment after the client sees it end).
    private func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTFail("timed out waiting until \(what)")
    }

    // MARK: Message size

    /// grpc-swift's transport refuses a message over `maximumMessageBytes` by resetting the
    /// HTTP/2 stream (RST_STREAM) instead of ending it with a status, so a client may see
    /// `unavailable` there. An oversized first message is usually dropped before the join
    /// handler starts (`JoinOverGRPCTests.testOversizedMessageIsRejectedByTheServer`).
    private static let oversizedMessageCodes: [RPCError.Code] = [.resourceExhausted, .invalidArgument, .unavailable]
    private static let unreadableMessage = "join message exceeds the Auth server's size limit or is not a valid join message"

    /// Mid-join the handler is running: the pipeline sees the transport's refusal, ends the
    /// stream and audits the attempt.
    func testAnOversizedSolutionMidJoinEndsTheStream() async throws {
        let cluster = try await TestCluster(registry: TestCluster.challengeRegistry)
        defer { Task { await cluster.stop() } }
        let address = try await cluster.start()
        try await cluster.addChallengeRoundToken(token)
        let oversized = Joinery_V1_JoinRequest.with {
            $0.solution = .with { $0.payload = Data(repeating: 7, count: cluster.server.settings.maximumMessageBytes + 1) }
        }
        let first = challengeInit()
        // The oversized solution goes out only once the challenge is in: the join is under way.
        let (challenged, challenge) = AsyncStream<Void>.makeStream()
        let status = try await withGRPCClient(transport: try AuthTransports.unverified(address)) { client in
            try await JoinStreamProbe.Service(wrapping: client).join(request: StreamingClientRequest { writer in
                try await writer.write(first)
                for await _ in challenged { break }
                try await writer.write(oversized)
            }) { response -> RPCError? in
                do {
                    for try await message in response.messages {
                        if case .challenge? = message.payload { challenge.yield() }
                    }
                    return nil
                } catch let error as RPCError {
                    return error
                }
            }
        }
        let refused = try XCTUnwrap(status, "an oversized solution was accepted")
        XCTAssertTrue(Self.oversizedMessageCodes.contains(refused.code), "\(refused)")
        try await eventually("the refusal is audited") {
            try await cluster.backend.auditEvents(limit: 10).contains {
                !$0.success && $0.method == ChallengeRoundMethod.methodName
                    && $0.reason == Self.unreadableMessage
            }
        }
        let nodes = try await cluster.server.nodes.list()
        XCTAssertTrue(nodes.isEmpty)
    }

    // MARK: Deadline

    func testAClientThatNeverAnswersTheChallengeIsCutOffAtTheJoinTimeout() async throws {
        let cluster = try await TestCluster(registry: TestCluster.challengeRegistry, joinTimeoutSeconds: 1)
        defer { Task { await cluster.stop() } }
        let address = try await cluster.start()
        try await cluster.addChallengeRoundToken(token)
        let started = ContinuousClock.now
        let request = challengeInit()
        let status = try await withGRPCClient(transport: try AuthTransports.unverified(address)) { client in
            let silent = HeldJoinStream()
            async let run: Void = silent.run(JoinStreamProbe.Service(wrapping: client), sending: request)
            try await silent.waitUntilChallenged()
            let status = await silent.status()
            silent.release()
            await run
            return status
        }
        let elapsed = ContinuousClock.now - started
        XCTAssertEqual(status?.code, .permissionDenied)
        XCTAssertEqual(status?.message, "join attempt timed out after 1s")
        XCTAssertGreaterThanOrEqual(elapsed, .seconds(1))
        XCTAssertLessThan(elapsed, .seconds(5))
        try await eventually("the timed-out attempt is audited") {
            try await cluster.backend.auditEvents(limit: 10).contains {
                !$0.success && $0.method == ChallengeRoundMethod.methodName
                    && $0.reason?.hasPrefix("join attempt timed out or was aborted") == true
            }
        }
        XCTAssertEqual(cluster.server.joinPipeline.openJoinStreams(from: "127.0.0.1"), 0, "the stream gave its place back")
    }

    // MARK: Concurrent streams per host

    func testStreamsOverTheConcurrencyCapAreRefusedUntilOneCloses() async throws {
        let cap = 3
        let cluster = try await TestCluster(registry: TestCluster.challengeRegistry,
                                            rateLimits: .init(averagePerSecond: 1000, burst: 1000, maximumConcurrent: cap))
        defer { Task { await cluster.stop() } }
        let address = try await cluster.start()
        try await cluster.addChallengeRoundToken(token)

        try await withGRPCClient(transport: try AuthTransports.unverified(address)) { client in
            let service = JoinStreamProbe.Service(wrapping: client)
            try await withThrowingDiscardingTaskGroup { group in
                var held: [HeldJoinStream] = []
                for index in 0..<cap {
                    let stream = HeldJoinStream()
                    let request = challengeInit(nodeName: "held-\(index)")
                    group.addTask { await stream.run(service, sending: request) }
                    try await stream.waitUntilChallenged()
                    held.append(stream)
                }
                XCTAssertEqual(cluster.server.joinPipeline.openJoinStreams(from: "127.0.0.1"), cap)

                let refused = try await JoinStreamProbe.refusal(service, challengeInit(nodeName: "one-too-many"))
                XCTAssertEqual(refused?.code, .resourceExhausted)
                XCTAssertEqual(refused?.message, "too many concurrent join attempts from 127.0.0.1; at most \(cap) at a time")

                held[0].release()
                let closed = await held[0].status()
                XCTAssertEqual(closed?.code, .permissionDenied, "the server ends a stream whose client gave up")
                try await eventually("the closed stream gives its place back") {
                    cluster.server.joinPipeline.openJoinStreams(from: "127.0.0.1") == cap - 1
                }
                let admitted = HeldJoinStream()
                let request = challengeInit(nodeName: "after-one-closed")
                group.addTask { await admitted.run(service, sending: request) }
                try await admitted.waitUntilChallenged()

                for stream in held.dropFirst() + [admitted] { stream.release() }
            }
        }
        let events = try await cluster.backend.auditEvents(limit: 20)
        let refusals = events.filter { $0.reason == "too many concurrent join attempts from 127.0.0.1; at most \(cap) at a time" }
        XCTAssertEqual(refusals.count, 1, "the refused stream is audited")
        XCTAssertEqual(refusals.first?.remoteAddress.hasPrefix("127.0.0.1:"), true)
        XCTAssertEqual(cluster.server.joinPipeline.openJoinStreams(from: "127.0.0.1"), 0)
    }

    func testAStreamThatNeverSendsClientInitHoldsAPlace() async throws {
        let cluster = try await TestCluster(registry: TestCluster.challengeRegistry,
                                            rateLimits: .init(averagePerSecond: 1000, burst: 1000, maximumConcurrent: 1))
        defer { Task { await cluster.stop() } }
        try await cluster.addToken(token, roles: [.node])
        let (silent, hangUp) = AsyncStream<Joinery_V1_JoinRequest>.makeStream()
        let pipeline = cluster.server.joinPipeline
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { _ = try? await pipeline.run(QueuedJoinStream(silent), remoteAddress: "192.0.2.9:1000") }
            try await eventually("the silent stream holds its place") { pipeline.openJoinStreams(from: "192.0.2.9") == 1 }
            do {
                try await pipeline.run(InMemoryJoinStream([InMemoryJoinStream.clientInit(token: token)]), remoteAddress: "192.0.2.9:1001")
                XCTFail("a second stream from the host was admitted past a cap of 1")
            } catch let error as JoinError {
                XCTAssertEqual(error.kind, .limitExceeded)
            }
            // Another host is not affected.
            try await pipeline.run(InMemoryJoinStream([InMemoryJoinStream.clientInit(token: token)]), remoteAddress: "192.0.2.10:1000")
            hangUp.finish()
        }
        XCTAssertEqual(pipeline.openJoinStreams(from: "192.0.2.9"), 0)
    }

    func testBehindAProxyStreamsCountAgainstTheForwardedClientNotTheProxy() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let cluster = try await TestCluster(registry: TestCluster.challengeRegistry, clock: clock,
                                            rateLimits: .init(averagePerSecond: 1000, burst: 1000, maximumConcurrent: 1))
        defer { Task { await cluster.stop() } }
        try await cluster.addChallengeRoundToken(token)
        let proxy = try Certificate(derEncoded: try LocalTLSIdentity.issue(
            hostCA: cluster.server.authorities.host, hostID: "capped-proxy", role: .proxy, now: clock.now).certificateDER)
        func forwarded(from client: String) -> Joinery_V1_JoinRequest {
            var request = challengeInit()
            request.clientInit.forwardedByProxy = .with { $0.remoteAddr = client }
            return request
        }
        let pipeline = cluster.server.joinPipeline
        // Every stream arrives on the proxy's one address; the first client's is held open.
        let (held, hangUp) = AsyncStream<Joinery_V1_JoinRequest>.makeStream()
        hangUp.yield(forwarded(from: "203.0.113.7:5001"))
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                _ = try? await pipeline.run(QueuedJoinStream(held), remoteAddress: "127.0.0.1:41000", presentedCertificate: proxy)
            }
            try await eventually("the first client's stream is open") { pipeline.openJoinStreams(from: "203.0.113.7") == 1 }
            XCTAssertEqual(pipeline.openJoinStreams(from: "127.0.0.1"), 0, "the proxy's own address holds nothing")

            do {
                try await pipeline.run(InMemoryJoinStream([forwarded(from: "203.0.113.7:5002")]), remoteAddress: "127.0.0.1:41000",
                                       presentedCertificate: proxy)
                XCTFail("a second stream of the same client was admitted past a cap of 1")
            } catch let error as JoinError {
                XCTAssertEqual(error.kind, .limitExceeded)
                XCTAssertTrue(error.message.contains("from 203.0.113.7;"), error.message)
            }
            // Another client behind the same proxy joins.
            let other = InMemoryJoinStream([forwarded(from: "203.0.113.8:5001")], answer: { _ in Data("ok".utf8) })
            try await pipeline.run(other, remoteAddress: "127.0.0.1:41000", presentedCertificate: proxy)
            XCTAssertNotNil(other.result)
            hangUp.finish()
        }
        let events = try await cluster.backend.auditEvents(limit: 10)
        let refused = events.filter { $0.reason?.hasPrefix("too many concurrent join attempts") == true }
        XCTAssertEqual(refused.map(\.remoteAddress), ["203.0.113.7:5002"])
        XCTAssertEqual(refused.first?.attributes["forwarded_by_proxy"], "127.0.0.1:41000")
    }
}

/// A join stream fed by the test through an `AsyncStream`: `receive()` waits for the next
/// message, and returns `nil` once the test finishes the stream (the client hung up).
final class QueuedJoinStream: JoinStream, @unchecked Sendable {
    // One pipeline task receives, in order; nothing else touches the iterator.
    private var incoming: AsyncStream<Joinery_V1_JoinRequest>.AsyncIterator

    init(_ incoming: AsyncStream<Joinery_V1_JoinRequest>) {
        self.incoming = incoming.makeAsyncIterator()
    }

    func receive() async throws -> Joinery_V1_JoinRequest? { await incoming.next() }
    func send(_ response: Joinery_V1_JoinResponse) async throws {}
}
