import AWSKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import IAMJoin
import JoinCore
import JoineryProto
import Logging
import Server
import TestSupport
import TokenJoin
import Transport
import XCTest

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
        token.spec.setAWSAllowRules([AWSAllowRule(awsAccount: "123456789012")])
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
