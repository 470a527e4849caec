import Foundation

/// The Auth server restarted under a connected fleet: SIGTERM, a new process on the same port
/// and data directory, and the time until every node has had a heartbeat accepted by it (the
/// nodes reconnect on their own, with the product's jittered backoff). Measured with it: the
/// new server's CPU through the reconnect storm (and its busiest second), the failures the nodes
/// saw, and what the kernel's listen queue turned away (``ListenQueueCounters``).
struct FleetRestart {
    var nodes: Int
    var shutdownSeconds: Double
    /// The old process did not exit within the grace period and was killed.
    var killed: Bool
    /// From the old process's exit until the new one listened.
    var startSeconds: Double
    /// Seconds after the new server listened at which a share of the fleet had been accepted.
    var reconnectedAt: [(share: Double, seconds: Double?)]
    /// Nodes accepted by the new server when the wait ended.
    var reconnected: Int
    /// From SIGTERM until every node was accepted again; nil when they were not within the wait.
    var allSecondsAfterSignal: Double?
    var server: (start: ProcessSample, end: ProcessSample)
    /// The new server's largest CPU use over one second of the storm, as a share of one core.
    var busiestSecondCoreShare: Double
    var generator: (start: ProcessSample, end: ProcessSample)
    var failures: Int
    var nodesWithFailures: Int
    var mostFailuresOfOneNode: Int
    /// Heartbeaters that stopped trying.
    var gaveUp: Int
    var listenQueue: ListenQueueCounters?
    var timeline: FleetStormTimeline

    var stormSeconds: Double { (server.end.taken - server.start.taken).seconds }
    var serverCPUSeconds: Double { server.end.cpuSeconds - server.start.cpuSeconds }

    static let shares = [0.5, 0.9, 0.99, 1.0]

    /// Restarts `old`; returns the measurement and the new process (the caller stops it).
    static func run(old: FleetAuthProcess, dataDirectory: URL, tally: FleetHeartbeatTally, nodes: Int,
                    wait: Duration) async throws -> (FleetRestart, FleetAuthProcess) {
        let queueBefore = ListenQueueCounters.read()
        let failuresBefore = tally.snapshot()
        guard let generatorStart = ProcessSample.read() else { throw FleetBenchmark.Failure.authServerGone(0) }
        let signalled = ContinuousClock.now
        let (shutdownSeconds, killed) = await old.stop()
        let exited = ContinuousClock.now
        let new = try await FleetAuthProcess.start(dataDirectory: dataDirectory, port: old.address.port, token: old.handoff.token)
        do {
            let storm = try await watch(new, tally: tally, nodes: nodes, since: exited, wait: wait)
            guard let generatorEnd = ProcessSample.read() else { throw FleetBenchmark.Failure.authServerGone(0) }
            let failuresAfter = tally.snapshot()
            let perNode = zip(failuresAfter.failuresByNode, failuresBefore.failuresByNode).map { $0 - $1 }
            let restart = FleetRestart(
                nodes: nodes, shutdownSeconds: shutdownSeconds, killed: killed, startSeconds: (new.listening - exited).seconds,
                reconnectedAt: storm.reachedAt, reconnected: tally.nodesAccepted(after: exited),
                allSecondsAfterSignal: storm.allAt.map { ($0 - signalled).seconds }, server: storm.server,
                busiestSecondCoreShare: storm.busiest, generator: (generatorStart, generatorEnd),
                failures: failuresAfter.failures - failuresBefore.failures,
                nodesWithFailures: perNode.filter { $0 > 0 }.count, mostFailuresOfOneNode: perNode.max() ?? 0,
                gaveUp: failuresAfter.ended - failuresBefore.ended,
                listenQueue: queueBefore.flatMap { before in ListenQueueCounters.read().map { $0.since(before) } },
                timeline: storm.timeline)
            return (restart, new)
        } catch {
            await new.stop()
            throw error
        }
    }

    /// What ``watch(_:tally:nodes:since:wait:)`` saw of the reconnect storm.
    private struct Storm {
        var reachedAt: [(share: Double, seconds: Double?)]
        var allAt: ContinuousClock.Instant?
        var server: (start: ProcessSample, end: ProcessSample)
        var busiest: Double
        var timeline: FleetStormTimeline
    }

    /// Polls, up to `wait` after `new` listened, until every node has been accepted after `since`.
    private static func watch(_ new: FleetAuthProcess, tally: FleetHeartbeatTally, nodes: Int, since: ContinuousClock.Instant,
                              wait: Duration) async throws -> Storm {
        guard var previous = new.sample() else { throw FleetBenchmark.Failure.authServerGone(new.pid) }
        let start = previous
        var busiest = 0.0
        var reached: [Double: Double] = [:]
        var allAt: ContinuousClock.Instant?
        var timeline = FleetStormTimeline()
        timeline.note(server: start, accepted: 0, tally: tally, listening: new.listening)
        while ContinuousClock.now < new.listening + wait {
            try await Task.sleep(for: .milliseconds(250))
            let accepted = tally.nodesAccepted(after: since)
            let now = ContinuousClock.now
            for share in shares where reached[share] == nil && Double(accepted) >= share * Double(nodes) {
                reached[share] = (now - new.listening).seconds
            }
            let sample = new.sample()
            if let sample, (sample.taken - previous.taken).seconds >= 1 {
                busiest = max(busiest, sample.coreShare(since: previous))
                previous = sample
            }
            timeline.note(server: sample, accepted: accepted, tally: tally, listening: new.listening)
            if accepted == nodes {
                allAt = now
                break
            }
        }
        guard let end = new.sample() else { throw FleetBenchmark.Failure.authServerGone(new.pid) }
        return Storm(reachedAt: shares.map { ($0, reached[$0]) }, allAt: allAt, server: (start, end), busiest: busiest,
                     timeline: timeline)
    }
}
