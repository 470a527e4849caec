import Foundation

/// The fleet once every node is connected: how long that took from the heartbeaters' start,
/// then one observation window over which the Auth server's CPU is divided by the heartbeats it
/// accepted, next to its memory and descriptors and the generator's own cost.
struct FleetSteadyState {
    var nodes: Int
    /// Nodes with at least one accepted heartbeat when the window opened.
    var connected: Int
    /// From the heartbeaters' start until every node had been accepted once (nil: never, within
    /// the spread of their first beats plus two minutes).
    var connectSeconds: Double?
    var server: (start: ProcessSample, end: ProcessSample)
    var generator: (start: ProcessSample, end: ProcessSample)
    var heartbeats: Int
    var failures: Int

    var windowSeconds: Double { (server.end.taken - server.start.taken).seconds }
    var serverCPUSeconds: Double { server.end.cpuSeconds - server.start.cpuSeconds }
    var serverCPUPerHeartbeat: Double { serverCPUSeconds / Double(max(heartbeats, 1)) }
    var generatorCPUSeconds: Double { generator.end.cpuSeconds - generator.start.cpuSeconds }

    static func measure(auth: FleetAuthProcess, tally: FleetHeartbeatTally, nodes: Int, spread: Duration,
                        observe: Duration) async throws -> FleetSteadyState {
        let start = ContinuousClock.now
        let deadline = start + spread + .seconds(120)
        var connectSeconds: Double?
        while ContinuousClock.now < deadline {
            if tally.nodesAccepted(after: nil) == nodes {
                connectSeconds = (ContinuousClock.now - start).seconds
                break
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        let connected = tally.nodesAccepted(after: nil)
        guard let serverStart = auth.sample(), let generatorStart = ProcessSample.read() else {
            throw FleetBenchmark.Failure.authServerGone(auth.pid)
        }
        let before = tally.snapshot()
        try await Task.sleep(for: observe)
        let after = tally.snapshot()
        guard let serverEnd = auth.sample(), let generatorEnd = ProcessSample.read() else {
            throw FleetBenchmark.Failure.authServerGone(auth.pid)
        }
        return FleetSteadyState(
            nodes: nodes, connected: connected, connectSeconds: connectSeconds, server: (serverStart, serverEnd),
            generator: (generatorStart, generatorEnd), heartbeats: after.successes - before.successes,
            failures: after.failures - before.failures)
    }
}
