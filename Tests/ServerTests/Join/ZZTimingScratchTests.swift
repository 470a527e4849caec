import Crypto
import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport
import XCTest

final class ZZTimingScratchTests: XCTestCase {
    func testScratchTiming() async throws {
        let tls = P256.Signing.PrivateKey().publicKey.derRepresentation
        let ssh = Data(SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).wireBytes)
        var t = ContinuousClock.now
        for _ in 0..<1000 { _ = try SSHPublicKey(wireBytes: ssh) }
        print("SCRATCH ssh 1000:", ContinuousClock.now - t)
        t = ContinuousClock.now
        for _ in 0..<1000 { _ = try P256.Signing.PublicKey(derRepresentation: tls) }
        print("SCRATCH p256 der 1000:", ContinuousClock.now - t)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let cluster = try await TestCluster(registry: TestCluster.challengeRegistry, clock: clock, rateLimits: .init(averagePerSecond: 10, burst: 1))
        let template = InMemoryJoinStream.clientInit(token: "x", method: "token")
        _ = try? await cluster.server.joinPipeline.run(InMemoryJoinStream([template]), remoteAddress: "1.2.3.4:5")
        t = ContinuousClock.now
        for i in 0..<1000 {
            var r = template; r.clientInit.tokenName = "unknown-\(i)"
            _ = try? await cluster.server.joinPipeline.run(InMemoryJoinStream([r]), remoteAddress: "1.2.3.4:5")
        }
        print("SCRATCH limited pipeline 1000:", ContinuousClock.now - t)
        await cluster.stop()
    }
}
