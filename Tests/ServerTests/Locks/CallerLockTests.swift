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

/// Locks bite on every authenticated call (issue 15, item 6), over real gRPC and TLS: a lock on
/// a node's host ID or role refuses its heartbeats — on the very next one, on a connection that
/// is already open — and hides it from `tctl nodes ls`; an expired lock stops applying; a lock
/// on an admin identity ends its admin calls, while a lock on role Admin cannot exist.
final class CallerLockTests: XCTestCase {
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

    private func joinNode(_ token: String = "lock-node-token-0123456789abcdef") async throws -> Identity {
        try await cluster.addToken(token, roles: [.node])
        return try await cluster.joinClient().join(JoinParameters(
            authServer: address, tokenName: token, method: "token", role: .node, nodeName: "locked-node", caPins: cluster.pins()))
    }

    private func transport(_ identity: Identity) throws -> HTTP2ClientTransport.Posix {
        try AuthTransports.authenticated(address, certificatePEM: identity.tlsCertificate, keyPEM: identity.tlsPrivateKey,
                                         trustedCAsPEM: identity.tlsCACertificates)
    }

    /// The admin identity the Auth server wrote into its data directory for tctl.
    private func adminTransport() throws -> HTTP2ClientTransport.Posix {
        let folder = AdminIdentityFile.directory(in: cluster.server.settings.dataDirectory)
        func read(_ name: String) throws -> String { try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) }
        return try AuthTransports.authenticated(address, certificatePEM: try read("admin.crt"), keyPEM: try read("admin.key"),
                                                trustedCAsPEM: [try read("ca.pem")])
    }

    private func heartbeat(_ client: GRPCClient<HTTP2ClientTransport.Posix>) async throws {
        _ = try await Joinery_V1_InventoryService.Client(wrapping: client).heartbeat(.with {
            $0.hostname = "locked-node"
            $0.addr = "127.0.0.1:3022"
            $0.version = "test"
        })
    }

    private func listedHostIDs() async throws -> [String] {
        try await withGRPCClient(transport: try adminTransport()) { client in
            try await Joinery_V1_AdminService.Client(wrapping: client).listNodes(Joinery_V1_ListNodesRequest()).nodes.map(\.hostID)
        }
    }

    @discardableResult
    private func lock(_ target: LockTarget, name: String = "", message: String = "maintenance",
                      expires: Date? = nil) async throws -> LockResource {
        try await cluster.server.locks.create(
            LockResource(name: name, target: target, message: message, expires: expires, createdAt: nil, createdBy: "test"),
            upsert: false)
    }

    private func assertRefused(_ body: () async throws -> Void, code: RPCError.Code = .permissionDenied,
                               containing text: String, file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await body()
            XCTFail("the call was not refused", file: file, line: line)
        } catch let error as RPCError {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(text), error.message, file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func testALockCreatedWhileANodeIsConnectedBitesOnItsNextHeartbeat() async throws {
        let node = try await joinNode()
        try await withGRPCClient(transport: try transport(node)) { client in
            try await heartbeat(client)
            try await lock(.serverID(node.hostID), name: "node-lock", message: "suspected compromise")
            await assertRefused({ try await heartbeat(client) },
                                containing: "server_id=\(node.hostID) is locked: suspected compromise (lock node-lock)")
        }
    }

    func testALockedNodeDropsOutOfNodesLsUntilTheLockIsRemoved() async throws {
        let node = try await joinNode()
        try await withGRPCClient(transport: try transport(node)) { try await heartbeat($0) }
        let listedBefore = try await listedHostIDs()
        XCTAssertEqual(listedBefore, [node.hostID])
        let created = try await lock(.serverID(node.hostID))
        let listedWhileLocked = try await listedHostIDs()
        XCTAssertEqual(listedWhileLocked, [], "a locked node drops out at once, before its heartbeat record expires")
        try await cluster.server.locks.delete(name: created.name)
        let listedAfter = try await listedHostIDs()
        XCTAssertEqual(listedAfter, [node.hostID])
    }

    func testARoleLockOnNodeRefusesEveryNodesHeartbeat() async throws {
        let node = try await joinNode()
        try await lock(.role(.node))
        await assertRefused({ try await withGRPCClient(transport: try self.transport(node)) { try await self.heartbeat($0) } },
                            containing: "role=Node is locked")
        let listed = try await listedHostIDs()
        XCTAssertEqual(listed, [])
    }

    func testAnExpiredLockStopsApplying() async throws {
        let node = try await joinNode()
        try await lock(.serverID(node.hostID), expires: clock.now.addingTimeInterval(60))
        try await withGRPCClient(transport: try transport(node)) { client in
            await assertRefused({ try await heartbeat(client) }, containing: "is locked")
            clock.advance(by: 61)
            try await heartbeat(client)
        }
        let listed = try await listedHostIDs()
        XCTAssertEqual(listed, [node.hostID])
    }

    func testALockOnAnAdminIdentityEndsItsAdminCalls() async throws {
        let folder = AdminIdentityFile.directory(in: cluster.server.settings.dataDirectory)
        let pem = try String(contentsOf: folder.appendingPathComponent("admin.crt"), encoding: .utf8)
        let admin = try cluster.server.authorities.authenticate(try Certificate(pemEncoded: pem), now: clock.now)
        XCTAssertEqual(admin.role, .admin)
        _ = try await listedHostIDs()
        try await lock(.serverID(admin.hostID), name: "leaked-admin")
        await assertRefused({ _ = try await self.listedHostIDs() }, containing: "(lock leaked-admin)")
    }

    func testALockOnRoleAdminCannotBeCreatedAndIsNotHonouredIfStored() async throws {
        let document = #"{"kind":"lock","version":"v2","metadata":{"name":"all-admins"},"spec":{"target":{"role":"admin"}}}"#
        XCTAssertThrowsError(try JSONDecoder().decode(LockResource.self, from: Data(document.utf8))) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("would lock out every tctl") ?? false, "\(error)")
        }
        // Written straight into the backend it is no readable lock, and an unreadable lock
        // never shuts out admin calls: the operator is not locked out.
        let stored = LockResource(name: "all-admins", target: .role(.admin), message: "", createdAt: clock.now, createdBy: "test")
        _ = try await cluster.backend.put("/locks/all-admins", value: try JSONEncoder().encode(stored), expires: nil)
        let listed = try await listedHostIDs()
        XCTAssertEqual(listed, [])
    }

    func testAnUnreadableLockRefusesHeartbeatsButNotAdminCalls() async throws {
        let node = try await joinNode()
        _ = try await cluster.backend.put("/locks/broken", value: Data("not a lock".utf8), expires: nil)
        await assertRefused({ try await withGRPCClient(transport: try self.transport(node)) { try await self.heartbeat($0) } },
                            code: .internalError, containing: "could not be read")
        // The operator can still reach the Auth server, and remove the broken lock.
        try await withGRPCClient(transport: try adminTransport()) { client in
            _ = try await Joinery_V1_AdminService.Client(wrapping: client).deleteResource(.with {
                $0.kind = "lock"
                $0.name = "broken"
            })
        }
        try await withGRPCClient(transport: try transport(node)) { try await heartbeat($0) }
    }

    func testRoleLockTargetsAreTeleportShaped() throws {
        let document = #"{"kind":"lock","version":"v2","metadata":{"name":"proxies"},"spec":{"target":{"role":"proxy"},"message":"m"}}"#
        let lock = try JSONDecoder().decode(LockResource.self, from: Data(document.utf8))
        XCTAssertEqual(lock.target, .role(.proxy))
        let encoded = String(decoding: try JSONEncoder().encode(lock), as: UTF8.self)
        XCTAssertTrue(encoded.contains(#""target":{"role":"Proxy"}"#), encoded)
        let unknown = #"{"kind":"lock","metadata":{"name":"a"},"spec":{"target":{"role":"wizard"}}}"#
        XCTAssertThrowsError(try JSONDecoder().decode(LockResource.self, from: Data(unknown.utf8)))
    }
}
