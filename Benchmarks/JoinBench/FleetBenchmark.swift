import Foundation
import JoinCore
import ListenSockets

/// `joinery-bench fleet`: a fleet of N nodes, each holding its own mTLS connection to an Auth
/// server that runs in a process of its own (``FleetAuthProcess``), heartbeating at the product's
/// interval with the product's ``Heartbeater``. Unlike ``HeartbeatLoad``, which drives the node
/// registry in-process, this measures what a connected fleet costs the Auth server: its memory
/// and descriptors per connection, its CPU per heartbeat, and how it comes back from a restart.
///
/// Phases: join the nodes (``FleetJoin``); start their heartbeaters and wait until all are
/// connected, then observe (``FleetSteadyState``); restart the server (``FleetRestart``).
struct FleetBenchmark {
    /// Why the benchmark could not go on.
    enum Failure: Error, CustomStringConvertible {
        case authServerGone(Int32)
        case nobodyJoined(String)

        var description: String {
            switch self {
            case .authServerGone(let pid): "the fleet Auth server (pid \(pid)) is gone; see auth.log in its data directory"
            case .nobodyJoined(let error): "no node could join: \(error)"
            }
        }
    }

    var options: FleetOptions
    /// The generator's open-file limit after raising it.
    var generatorFileLimit: OpenFileLimit?
    var join: FleetJoin
    var joinServer: (start: ProcessSample, end: ProcessSample)
    var steady: FleetSteadyState
    var restart: FleetRestart
    var failureReasons: [(reason: String, count: Int)]

    static func run(_ options: FleetOptions) async throws -> FleetBenchmark {
        let fileLimit = OpenFileLimit.raiseToHardLimit()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let first = try await FleetAuthProcess.start(dataDirectory: directory, port: 0, token: "fleet-\(UUID().uuidString.lowercased())")
        do {
            let (result, last) = try await measure(options, auth: first, directory: directory, fileLimit: fileLimit)
            await last.stop()
            try? FileManager.default.removeItem(at: directory)
            return result
        } catch {
            await first.stop()
            FileHandle.standardError.write(Data("fleet: the Auth server's data directory is kept at \(directory.path)\n".utf8))
            throw error
        }
    }

    /// The phases against `auth`; returns the results and the server process running at the end.
    private static func measure(_ options: FleetOptions, auth: FleetAuthProcess, directory: URL,
                                fileLimit: OpenFileLimit?) async throws -> (FleetBenchmark, FleetAuthProcess) {
        guard let joinStart = auth.sample() else { throw Failure.authServerGone(auth.pid) }
        let join = try await FleetJoin.run(handoff: auth.handoff, address: auth.address, nodes: options.nodes,
                                           concurrency: options.joinConcurrency)
        guard let joinEnd = auth.sample() else { throw Failure.authServerGone(auth.pid) }
        guard !join.identities.isEmpty else { throw Failure.nobodyJoined(join.firstError ?? "?") }
        progress(String(format: "joined %d nodes in %.1f s (%d failed)", join.identities.count, join.wallSeconds, join.failed))

        let nodes = join.identities.count
        let tally = FleetHeartbeatTally(nodes: nodes)
        let spread = options.spread(nodes: nodes)
        let (steady, restart, new) = try await FleetHeartbeats.run(
            identities: join.identities, address: auth.address, interval: options.interval, spread: spread, tally: tally
        ) {
            let steady = try await FleetSteadyState.measure(auth: auth, tally: tally, nodes: nodes, spread: spread,
                                                            observe: .milliseconds(Int64(options.observeSeconds * 1000)))
            progress("steady state observed; restarting the Auth server")
            let wait = max(options.interval * 4, .seconds(180))
            let (restart, new) = try await FleetRestart.run(old: auth, dataDirectory: directory, tally: tally, nodes: nodes, wait: wait)
            return (steady, restart, new)
        }
        let result = FleetBenchmark(options: options, generatorFileLimit: fileLimit, join: join, joinServer: (joinStart, joinEnd),
                                    steady: steady, restart: restart, failureReasons: tally.reasons())
        return (result, new)
    }

    /// A line on stderr while the benchmark runs (the report goes to stdout).
    static func progress(_ line: String) {
        FileHandle.standardError.write(Data("fleet: \(line)\n".utf8))
    }
}
