import Agent
import Foundation
import JoinCore
import TestSupport
import Transport

/// N joiners start at once, each joining with one multi-use token over real gRPC and TLS to
/// one Auth server, checking it against the CA pin inside the join's one TLS handshake, or,
/// through a Proxy Service, checking the proxy's web certificate as `ca_path` does. The
/// kernel's listen-queue counters are read around the storm (``ListenQueueCounters``).
struct JoinStorm {
    var joiners: Int
    var pinned: Bool
    var succeeded: Int
    var failed: Int
    var wallSeconds: Double
    var cpuSeconds: Double
    var latency: LatencySummary
    var peakRSSMiB: Double
    var firstError: String?
    /// What the kernel's listen queues turned away during the storm; nil when unreadable.
    var listenQueue: ListenQueueCounters?

    var joinsPerSecond: Double { Double(succeeded) / wallSeconds }
    var cpuSecondsPerJoin: Double { cpuSeconds / Double(max(succeeded, 1)) }

    /// A storm of `token` method joins with a new multi-use token; `dialer` says how joiners
    /// reach `address` (straight, or through the Proxy Service there).
    static func run(cluster: TestCluster, address: AuthAddress, joiners: Int, pinned: Bool,
                    dialer: ClusterDialer = .direct) async throws -> JoinStorm {
        let token = "storm-\(joiners)-" + UUID().uuidString.lowercased()
        try await cluster.addToken(token, roles: [.node], ttl: 3600)
        return await run(client: cluster.joinClient(), address: address, token: token, method: "token", joiners: joiners,
                         pins: pinned ? cluster.pins() : [], dialer: dialer)
    }

    /// A storm of joins with `token` by `method`, each made by `client` (whose provers carry
    /// the method's proof); no `pins` joins insecurely, unless `dialer` goes through a proxy
    /// (whose certificate it checks, and where pins do not apply).
    static func run(client: JoinClient, address: AuthAddress, token: String, method: String, joiners: Int,
                    pins: [CAPin], dialer: ClusterDialer = .direct) async -> JoinStorm {
        let pinned = !pins.isEmpty
        let countersBefore = ListenQueueCounters.read()
        let start = ContinuousClock.now
        let measured = await JoinBench.measure {
            await withTaskGroup(of: Result<Double, any Error>.self) { group in
                for index in 0..<joiners {
                    group.addTask {
                        var parameters = JoinParameters(
                            authServer: address, tokenName: token, method: method, role: .node, nodeName: "storm-\(index)",
                            caPins: pins, insecure: !pinned && !dialer.isViaProxy)
                        parameters.dialer = dialer
                        do {
                            _ = try await client.join(parameters)
                            return .success((ContinuousClock.now - start).seconds)
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: [Result<Double, any Error>]()) { $0.append($1) }
            }
        }
        let countersAfter = ListenQueueCounters.read()
        let latencies = measured.value.compactMap { try? $0.get() }
        let firstError = measured.value.lazy.compactMap { result -> String? in
            if case .failure(let error) = result { return "\(error)" }
            return nil
        }.first
        return JoinStorm(
            joiners: joiners, pinned: pinned, succeeded: latencies.count, failed: joiners - latencies.count,
            wallSeconds: measured.wallSeconds, cpuSeconds: measured.cpuSeconds, latency: LatencySummary(seconds: latencies),
            peakRSSMiB: ProcessUsage.now().peakRSSMiB, firstError: firstError,
            listenQueue: countersBefore.flatMap { before in countersAfter.map { $0.since(before) } })
    }
}
