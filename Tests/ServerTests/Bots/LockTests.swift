import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport
import XCTest

/// Locks (spec §8.5, §8.6): checked after the proof, refused with their message, lifted by
/// deleting them; and the lock resource's strict document form.
final class LockTests: XCTestCase {
    private var cluster: TestCluster!

    override func setUp() async throws {
        cluster = try await TestCluster()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private func join(_ token: String) async throws {
        let stream = InMemoryJoinStream([InMemoryJoinStream.clientInit(token: token)])
        try await cluster.server.joinPipeline.run(stream, remoteAddress: "127.0.0.1:5000")
    }

    func testALockedTokenRefusesJoinsUntilTheLockIsRemoved() async throws {
        try await cluster.addToken("locked-node-token-0123456789ab", roles: [.node])
        try await join("locked-node-token-0123456789ab")
        let lock = try await cluster.server.locks.create(
            LockResource(name: "", target: .joinToken("locked-node-token-0123456789ab"), message: "suspected leak",
                         createdAt: nil, createdBy: "test"), upsert: false)
        XCTAssertFalse(lock.name.isEmpty, "a lock without a name gets one")
        do {
            try await join("locked-node-token-0123456789ab")
            XCTFail("a locked token must not join")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied)
            XCTAssertTrue(error.message.contains("is locked: suspected leak"), error.message)
            XCTAssertFalse(error.message.contains("locked-node-token-0123456789ab"), "a token-method token name is its secret")
        }
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertEqual(events.last?.success, false)
        XCTAssertTrue(events.last?.reason?.contains("is locked") ?? false)

        try await cluster.server.locks.delete(name: lock.name)
        try await join("locked-node-token-0123456789ab")
        let last = try await cluster.backend.auditEvents(limit: 1).last
        XCTAssertEqual(last?.success, true)
    }

    func testAnUnprovenAttemptNeverLearnsAboutALock() async throws {
        _ = try await cluster.server.locks.create(
            LockResource(name: "l1", target: .joinToken("absent-token-0123456789abcdef"), message: "m", createdAt: nil, createdBy: nil),
            upsert: false)
        do {
            try await join("absent-token-0123456789abcdef")
            XCTFail("an unknown token must not join")
        } catch let error as JoinError {
            XCTAssertEqual(error, JoinError.tokenExpiredOrNotFound)
        }
    }

    func testLockDocumentsAreStrict() throws {
        func decode(_ json: String) throws -> LockResource {
            try JSONDecoder().decode(LockResource.self, from: Data(json.utf8))
        }
        let lock = try decode(#"{"kind":"lock","version":"v2","metadata":{"name":"a"},"spec":{"target":{"bot_instance_id":"i-1"},"message":"m"}}"#)
        XCTAssertEqual(lock.target, .botInstanceID("i-1"))
        XCTAssertEqual(lock.message, "m")
        let roundTrip = try decode(String(decoding: try JSONEncoder().encode(lock), as: UTF8.self))
        XCTAssertEqual(roundTrip, lock)

        for bad in [
            #"{"kind":"lock","metadata":{"name":"a"},"spec":{"target":{}}}"#,
            #"{"kind":"lock","metadata":{"name":"a"},"spec":{"target":{"join_token":"a","bot_instance_id":"b"}}}"#,
            #"{"kind":"lock","metadata":{"name":"a"},"spec":{"target":{"login":"alice"}}}"#,
            #"{"kind":"lock","metadata":{"name":"a"},"spec":{"target":{"join_token":"a"},"extra":1}}"#,
            #"{"kind":"lock","metadata":{"name":"a"},"spec":{"target":{"join_token":"a"},"expires":"tomorrow"}}"#,
        ] {
            XCTAssertThrowsError(try decode(bad), bad)
        }
    }

    func testALockThatHasExpiredNoLongerApplies() async throws {
        let clock = ManualClock(Date())
        let local = try await TestCluster(clock: clock)
        defer { Task { await local.stop() } }
        try await local.addToken("expiring-lock-token-0123456789", roles: [.node])
        _ = try await local.server.locks.create(
            LockResource(name: "short", target: .joinToken("expiring-lock-token-0123456789"), message: "m",
                         expires: clock.now.addingTimeInterval(60), createdAt: nil, createdBy: nil), upsert: false)
        let stream = { InMemoryJoinStream([InMemoryJoinStream.clientInit(token: "expiring-lock-token-0123456789")]) }
        do {
            try await local.server.joinPipeline.run(stream(), remoteAddress: "127.0.0.1:1")
            XCTFail("locked")
        } catch {}
        clock.advance(by: 61)
        try await local.server.joinPipeline.run(stream(), remoteAddress: "127.0.0.1:1")
    }
}

/// Checks that happen before any state changes.
final class BotJoinPreconditionTests: XCTestCase {
    func testMalformedPublicKeysAreRefusedBeforeTheSingleUseTokenIsSpent() async throws {
        let cluster = try await TestCluster()
        defer { Task { await cluster.stop() } }
        try await cluster.addToken("bot-token-malformed-keys-0123", roles: [.bot], botName: "robot")
        var request = InMemoryJoinStream.clientInit(token: "bot-token-malformed-keys-0123", role: .bot)
        request.clientInit.botParams.publicKeys.publicSshKey = Data("not a key".utf8)
        do {
            try await cluster.server.joinPipeline.run(InMemoryJoinStream([request]), remoteAddress: "127.0.0.1:1")
            XCTFail("a malformed key must be refused")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains("public_ssh_key"), error.message)
        }
        let token = try await cluster.backend.get("/tokens/bot-token-malformed-keys-0123")
        XCTAssertNotNil(token, "the token must not be spent by a request that was never valid")
        let instances = try await cluster.server.botInstances.list()
        XCTAssertTrue(instances.isEmpty)
    }

    func testAnUnreadableLockRefusesJoinsInsteadOfBeingIgnored() async throws {
        let cluster = try await TestCluster()
        defer { Task { await cluster.stop() } }
        try await cluster.addToken("node-token-unreadable-lock-01", roles: [.node])
        _ = try await cluster.backend.put("/locks/damaged", value: Data("{not json".utf8), expires: nil)
        do {
            try await cluster.server.joinPipeline.run(
                InMemoryJoinStream([InMemoryJoinStream.clientInit(token: "node-token-unreadable-lock-01")]), remoteAddress: "127.0.0.1:1")
            XCTFail("a join must not pass an unreadable lock")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("could not be read"), error.message)
        }
    }
}
