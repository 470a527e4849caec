import Agent
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Logging
import Server
import Synchronization
import TestSupport
import Transport
import XCTest

/// The agent's ``Heartbeater`` on a heartbeat stream: it keeps one stream open on one
/// connection; against an Auth server of an earlier version (the stream answered UNIMPLEMENTED)
/// it heartbeats with single calls on the same connection; a server that stops answering on an
/// open stream is noticed within the answer timeout. The servers here hold a real Auth server
/// certificate of the test cluster, so the agent's handshake checks pass as they would.
final class HeartbeaterStreamTests: XCTestCase {
    private var cluster: TestCluster!
    private var address: AuthAddress!
    private var identity: Identity!

    override func setUp() async throws {
        cluster = try await TestCluster()
        address = try await cluster.start()
        try await cluster.addToken("beater-node-token-0123456789abcdef", roles: [.node])
        identity = try await cluster.joinClient().join(JoinParameters(
            authServer: address, tokenName: "beater-node-token-0123456789abcdef", method: "token", role: .node,
            nodeName: "beater", caPins: cluster.pins()))
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    /// Runs a heartbeater against `server` until `done` says so (or 20 s pass); returns what
    /// its observer was told, in order (nil: accepted).
    private func heartbeat(to server: AuthAddress, answerTimeout: Duration = .seconds(10),
                           until done: @escaping @Sendable ([String?]) -> Bool) async throws -> [String?] {
        let seen = Mutex<[String?]>([])
        var heartbeater = Heartbeater(
            identity: identity, authServers: [server],
            announcement: .init(hostname: "beater", address: "127.0.0.1:3022", labels: [:]),
            interval: .milliseconds(100), logger: Logger(label: "test"),
            observer: { failure in seen.withLock { $0.append(failure.map { "\($0)" }) } })
        heartbeater.answerTimeout = answerTimeout
        let task = Task { [heartbeater] in try await heartbeater.run() }
        defer { task.cancel() }
        for _ in 0..<200 {
            if done(seen.withLock { $0 }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        task.cancel()
        _ = try? await task.value
        return seen.withLock { $0 }
    }

    func testTheHeartbeaterKeepsOneStreamOpenToTheAuthServer() async throws {
        let inventory = ScriptedInventory(stream: .answer)
        let server = try await inventory.serve(authorities: cluster.server.authorities)
        defer { Task { await inventory.stop() } }
        let seen = try await heartbeat(to: server) { $0.count >= 4 }
        XCTAssertEqual(seen.prefix(4).map { $0 == nil }, [true, true, true, true], "\(seen)")
        XCTAssertEqual(inventory.counts.streams, 1, "every beat went over the one stream")
        XCTAssertGreaterThanOrEqual(inventory.counts.streamBeats, 4)
        XCTAssertEqual(inventory.counts.singleCalls, 0)
    }

    func testTheRealAuthServerAcceptsTheStreamAndListsTheNode() async throws {
        let seen = try await heartbeat(to: address) { $0.count >= 2 }
        XCTAssertEqual(seen.prefix(2).map { $0 == nil }, [true, true], "\(seen)")
        let listed = try await cluster.server.nodes.list().map(\.hostID)
        XCTAssertEqual(listed, [identity.hostID])
    }

    func testAnAuthServerWithoutTheStreamGetsSingleCallsOnTheSameConnection() async throws {
        let inventory = ScriptedInventory(stream: .unimplemented)
        let server = try await inventory.serve(authorities: cluster.server.authorities)
        defer { Task { await inventory.stop() } }
        let seen = try await heartbeat(to: server) { $0.count >= 3 }
        XCTAssertEqual(seen.prefix(3).map { $0 == nil }, [true, true, true], "no failure is reported for the fallback: \(seen)")
        XCTAssertEqual(inventory.counts.streams, 1, "the stream is asked for once per connection, not before every beat")
        XCTAssertGreaterThanOrEqual(inventory.counts.singleCalls, 3)
    }

    func testAStreamWhoseServerStopsAnsweringIsGivenUpWithinTheTimeout() async throws {
        let inventory = ScriptedInventory(stream: .answerFirstThenHang)
        let server = try await inventory.serve(authorities: cluster.server.authorities)
        defer { Task { await inventory.stop() } }
        let started = ContinuousClock.now
        let seen = try await heartbeat(to: server, answerTimeout: .milliseconds(500)) { $0.contains { $0 != nil } }
        let elapsed = ContinuousClock.now - started
        XCTAssertEqual(seen.first, .some(nil), "the first beat was answered: \(seen)")
        let failure = try XCTUnwrap(seen.compactMap { $0 }.first)
        XCTAssertTrue(failure.contains("did not answer a heartbeat within 500ms"), failure)
        XCTAssertTrue(failure.contains(server.description), failure)
        XCTAssertLessThan(elapsed, .seconds(10), "noticed within the answer timeout, not after the usual deadline")
    }
}

/// An InventoryService with a scripted stream, served with an Auth server certificate of the
/// test cluster: what the agent meets from an Auth server of another version, or a stuck one.
private final class ScriptedInventory: Joinery_V1_InventoryService.SimpleServiceProtocol, Sendable {
    enum StreamBehaviour: Sendable {
        case answer, unimplemented, answerFirstThenHang
    }

    struct Counts: Sendable {
        var streams = 0
        var streamBeats = 0
        var singleCalls = 0
    }

    let behaviour: StreamBehaviour
    private let state = Mutex(Counts())
    private let server = Mutex<GRPCServer<HTTP2ServerTransport.Posix>?>(nil)

    init(stream behaviour: StreamBehaviour) { self.behaviour = behaviour }

    var counts: Counts { state.withLock { $0 } }

    func heartbeat(request: Joinery_V1_HeartbeatRequest, context: ServerContext) async throws -> Joinery_V1_HeartbeatResponse {
        state.withLock { $0.singleCalls += 1 }
        return .with { $0.ttlSeconds = 600 }
    }

    func heartbeatStream(request: RPCAsyncSequence<Joinery_V1_HeartbeatRequest, any Error>,
                         response: RPCWriter<Joinery_V1_HeartbeatResponse>, context: ServerContext) async throws {
        state.withLock { $0.streams += 1 }
        if behaviour == .unimplemented {
            throw RPCError(code: .unimplemented, message: "Requested RPC isn't implemented by this server.")
        }
        for try await _ in request {
            let beats = state.withLock { counts in
                counts.streamBeats += 1
                return counts.streamBeats
            }
            if behaviour == .answerFirstThenHang && beats > 1 { continue }
            try await response.write(.with { $0.ttlSeconds = 600 })
        }
    }

    /// Serves on 127.0.0.1 with a fresh Auth server certificate from `authorities`' host CA.
    func serve(authorities: ClusterAuthorities) async throws -> AuthAddress {
        let serving = try LocalTLSIdentity.authServer(hostCA: authorities.host, hostID: UUID().uuidString.lowercased(), now: Date())
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: "127.0.0.1", port: 0),
            transportSecurity: .tls(certificateChain: [.bytes(Array(try serving.certificatePEM().utf8), format: .pem)],
                                    privateKey: .bytes(Array(serving.privateKeyPEM.utf8), format: .pem)))
        let grpc = GRPCServer(transport: transport, services: [self])
        server.withLock { $0 = grpc }
        Task { try? await grpc.serve() }
        guard let port = try await transport.listeningAddress.ipv4?.port else { throw JoinError.unavailable("no port") }
        return AuthAddress(host: "127.0.0.1", port: port)
    }

    func stop() async {
        server.withLock { $0 }?.beginGracefulShutdown()
    }
}
