import Foundation

/// The reconnect storm after a restart, slice by slice (10 s by default): how many nodes the new
/// Auth server had accepted, how many connections it held, how busy it and the generator were,
/// and how many heartbeats failed in the slice. A storm that stalls shows here why: a server
/// at its CPU limit while failures climb and connections come and go, or one left idle while
/// the nodes wait out their backoff.
struct FleetStormTimeline {
    /// One slice, ending `seconds` after the new server listened.
    struct Slice {
        var seconds: Double
        var accepted: Int
        var serverOpenFiles: Int
        var serverRSSMiB: Double
        var serverCoreShare: Double
        var generatorCoreShare: Double
        var failures: Int
    }

    let slice: Duration
    private(set) var slices: [Slice] = []
    private var last: (server: ProcessSample, generator: ProcessSample, failures: Int)?

    init(slice: Duration = .seconds(10)) { self.slice = slice }

    /// Called as the storm is polled; adds a slice once `slice` has passed since the last one.
    mutating func note(server: ProcessSample?, accepted: Int, tally: FleetHeartbeatTally, listening: ContinuousClock.Instant) {
        guard let server, let generator = ProcessSample.read() else { return }
        guard let last else {
            self.last = (server, generator, tally.snapshot().failures)
            return
        }
        guard server.taken - last.server.taken >= slice else { return }
        let failures = tally.snapshot().failures
        slices.append(Slice(
            seconds: (server.taken - listening).seconds, accepted: accepted, serverOpenFiles: server.openFiles,
            serverRSSMiB: server.rssMiB, serverCoreShare: server.coreShare(since: last.server),
            generatorCoreShare: generator.coreShare(since: last.generator), failures: failures - last.failures))
        self.last = (server, generator, failures)
    }
}
