import Foundation
import JoinCore
import Server
import TestSupport
import XCTest

/// Locks are read on every authenticated call now; with many of them the lookup must still find
/// exactly the right one. Prints the time one lookup takes (it reads and decodes every lock).
final class LockLookupScaleTests: XCTestCase {
    func testALookupAmongManyLocksFindsOnlyTheOneThatTargetsTheCaller() async throws {
        let cluster = try await TestCluster()
        defer { Task { await cluster.stop() } }
        let count = Int(ProcessInfo.processInfo.environment["JOINERY_LOCK_COUNT"] ?? "") ?? 1000
        for index in 0..<count {
            _ = try await cluster.server.locks.create(
                LockResource(name: "lock-\(index)", target: .serverID("host-\(index)"), message: "m", createdAt: nil, createdBy: nil),
                upsert: false)
        }
        let tokenName = "scale-lock-token-0123456789abcdef"
        try await cluster.addToken(tokenName, roles: [.node])
        let stream = { InMemoryJoinStream([InMemoryJoinStream.clientInit(token: tokenName)]) }
        // A join consults every lock: unlocked, it succeeds.
        let started = ContinuousClock.now
        let rounds = 20
        for _ in 0..<rounds {
            try await cluster.server.joinPipeline.run(stream(), remoteAddress: "127.0.0.1:1")
        }
        let perJoin = started.duration(to: .now) / rounds
        _ = try await cluster.server.locks.create(
            LockResource(name: "the-lock", target: .joinToken(tokenName), message: "found", createdAt: nil, createdBy: nil),
            upsert: false)
        do {
            try await cluster.server.joinPipeline.run(stream(), remoteAddress: "127.0.0.1:1")
            XCTFail("the one lock among \(count) was not found")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("is locked: found"), error.message)
        }
        let lockedStart = ContinuousClock.now
        let all = try await cluster.server.locks.list()
        print("lock lookup: \(count) locks, a whole join \(perJoin), listing all locks \(lockedStart.duration(to: .now))")
        XCTAssertEqual(all.count, count + 1)
    }
}
