import Agent
import Foundation
import JoinCore
import Server
import TestSupport
import Transport

/// Where the CPU of one token join goes, measured one join at a time (so that CPU time is not
/// blurred by waiting) against one in-process Auth server, in one run: the whole join over
/// gRPC and TLS with a CA pin (both ends), a bare TLS connection with the cheapest call, the
/// Auth server's join pipeline driven without a network, and its parts (certificate issuance,
/// the token lookup, the audit write), next to the raw public-key cryptography of a join.
struct JoinCostBreakdown {
    var rounds: Int
    var raw: RawCryptoCost
    var wholeJoin: Double
    var tlsConnection: Double
    var pipeline: Double
    var issuance: Double
    var tokenLookup: Double
    var auditWrite: Double
    var joinerKeys: Double

    /// What the whole join spends beyond the TLS connection, the pipeline and the joiner's
    /// keys: the join stream's messages over gRPC and HTTP/2, and the joiner's own checks.
    var rest: Double { wholeJoin - tlsConnection - pipeline - joinerKeys }

    static func measure(rounds: Int) async throws -> JoinCostBreakdown {
        let cluster = try await TestCluster(
            registry: JoinMethodRegistry(plugins: [.staticTokens, .storedTokens]),
            rateLimits: .init(averagePerSecond: 1_000_000, burst: 1_000_000, maximumConcurrent: 1_000_000))
        let address = try await cluster.start()
        defer { Task { await cluster.stop() } }
        let token = "breakdown-" + UUID().uuidString.lowercased()
        try await cluster.addToken(token, roles: [.node], ttl: 3600)

        let raw = try RawCryptoCost.measure(rounds: rounds * 4)
        let floor = try await CryptoFloor.measure(cluster: cluster, address: address, rounds: rounds)

        let client = cluster.joinClient()
        let pins = cluster.pins()
        func join(_ index: Int) async throws {
            _ = try await client.join(JoinParameters(
                authServer: address, tokenName: token, method: "token", role: .node, nodeName: "breakdown-\(index)",
                caPins: pins))
        }
        for index in 0..<10 { try await join(index) }
        let whole = try await JoinBench.measure { for index in 0..<rounds { try await join(index) } }

        let pipeline = cluster.server.joinPipeline
        let requests = (0..<rounds).map { index in
            InMemoryJoinStream.clientInit(token: token, method: "token", nodeName: "pipeline-\(index)")
        }
        let piped = try await JoinBench.measure {
            for request in requests {
                try await pipeline.run(InMemoryJoinStream([request]), remoteAddress: "127.0.0.1:5000")
            }
        }

        let tokens = cluster.server.tokens
        let lookup = try await JoinBench.measure { for _ in 0..<rounds { _ = try await tokens.get(name: token) } }
        let backend = cluster.server.backend
        let event = AuditEvent(
            time: Date(), type: "join", code: "TJ001I", success: true, method: "token", tokenName: SafeName.mask(token),
            role: "Node", hostID: UUID().uuidString.lowercased(), nodeName: "breakdown", remoteAddress: "127.0.0.1:5000")
        let audit = try await JoinBench.measure { for _ in 0..<rounds { try await backend.appendAuditEvent(event) } }
        let keys = await JoinBench.measure { for _ in 0..<rounds { _ = JoinTestKeys() } }

        let perRound = { (measured: Double) in measured / Double(rounds) }
        return JoinCostBreakdown(
            rounds: rounds, raw: raw, wholeJoin: perRound(whole.cpuSeconds), tlsConnection: floor.handshakeCPUSeconds,
            pipeline: perRound(piped.cpuSeconds), issuance: floor.signingCPUSeconds, tokenLookup: perRound(lookup.cpuSeconds),
            auditWrite: perRound(audit.cpuSeconds), joinerKeys: perRound(keys.cpuSeconds))
    }

    func printReport() {
        let ms = { (seconds: Double) in String(format: "%.3f", seconds * 1000) }
        let share = { (seconds: Double) in String(format: "%.0f%%", 100 * seconds / wholeJoin) }
        print("## Raw public-key cryptography of one join (\(rounds * 4) rounds each)")
        print("")
        print("| operation | per join | µs CPU each | µs CPU per join |")
        print("|---|---|---|---|")
        for operation in raw.operations {
            print(String(format: "| %@ | %d | %.1f | %.1f |", operation.name, operation.perJoin, operation.cpuSeconds * 1e6,
                         Double(operation.perJoin) * operation.cpuSeconds * 1e6))
        }
        print(String(format: "| **total** | | | **%.1f** |", raw.perJoinCPUSeconds * 1e6))
        print("")
        print("## Where a join's CPU goes (\(rounds) joins, one at a time, both ends)")
        print("")
        print("| part | ms CPU per join | share of the whole join |")
        print("|---|---|---|")
        print("| whole join (gRPC over TLS, CA pin) | \(ms(wholeJoin)) | 100% |")
        print("| raw public-key cryptography (table above) | \(ms(raw.perJoinCPUSeconds)) | \(share(raw.perJoinCPUSeconds)) |")
        print("| TLS connection and one empty call | \(ms(tlsConnection)) | \(share(tlsConnection)) |")
        print("| join pipeline without network | \(ms(pipeline)) | \(share(pipeline)) |")
        print("| — of which SSH + X.509 issuance | \(ms(issuance)) | \(share(issuance)) |")
        print("| — of which token lookup (backend read, decode) | \(ms(tokenLookup)) | \(share(tokenLookup)) |")
        print("| — of which audit write (SQLite) | \(ms(auditWrite)) | \(share(auditWrite)) |")
        print("| joiner's SSH and TLS keys | \(ms(joinerKeys)) | \(share(joinerKeys)) |")
        print("| rest: join stream over gRPC/HTTP2, joiner's checks | \(ms(rest)) | \(share(rest)) |")
        print("")
        print(String(format: "whole join / raw cryptography: %.1f×; joins/s on %d cores at this cost: %.0f",
                     wholeJoin / raw.perJoinCPUSeconds, ProcessInfo.processInfo.activeProcessorCount,
                     Double(ProcessInfo.processInfo.activeProcessorCount) / wholeJoin))
    }
}
