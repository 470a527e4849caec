import Foundation
import JoinCore
import TestSupport
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// The load generator's handle on the fleet's Auth server: this same executable started again
/// as `fleet-auth` (``FleetAuthServer``), on a data directory the generator owns, so that it can
/// be stopped and started on the same directory and port. Its output goes to `auth.log` there.
/// A class so that stopping it twice (after a failure) sends no signal to a reaped pid.
final class FleetAuthProcess {
    let child: SpawnedChild
    let handoff: FleetAuthHandoff
    let address: AuthAddress
    /// When the new process's port was found open.
    let listening: ContinuousClock.Instant
    private var stopped = false

    var pid: pid_t { child.pid }

    /// Starts the server on `port` (0: any free one) and waits, up to `timeout`, for its handoff.
    static func start(dataDirectory: URL, port: Int, token: String, timeout: Duration = .seconds(60)) async throws -> FleetAuthProcess {
        let handoffFile = FleetAuthHandoff.file(in: dataDirectory)
        try? FileManager.default.removeItem(at: handoffFile)
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var command = [executable, "fleet-auth", "--data-dir", dataDirectory.path, "--port", "\(port)", "--token", token]
        // For profiling the server alone: `JOINERY_FLEET_AUTH_WRAPPER=heaptrack` runs it under
        // heaptrack (the process measured is then the wrapper's, so its numbers are not the report's).
        if let wrapper = ProcessInfo.processInfo.environment["JOINERY_FLEET_AUTH_WRAPPER"], !wrapper.isEmpty {
            command = wrapper.split(separator: " ").map(String.init) + command
        }
        let child = try SpawnedChild(
            command[0], Array(command.dropFirst()),
            environment: ProcessInfo.processInfo.environment, outputPath: dataDirectory.appendingPathComponent("auth.log").path)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let handoff = FleetAuthHandoff.read(from: handoffFile) {
                return FleetAuthProcess(child: child, handoff: handoff, address: try AuthAddress(parsing: handoff.address))
            }
            if let status = child.poll() {
                throw JoinError.unavailable("the fleet Auth server exited with status \(status); see \(dataDirectory.path)/auth.log")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(child.pid, SIGKILL)
        _ = child.poll()
        throw JoinError.unavailable("the fleet Auth server did not listen within \(timeout)")
    }

    private init(child: SpawnedChild, handoff: FleetAuthHandoff, address: AuthAddress) {
        self.child = child
        self.handoff = handoff
        self.address = address
        listening = .now
    }

    /// SIGTERM, then waits up to `grace` for it to exit (SIGKILL after that); returns how long it
    /// took and whether it had to be killed. Once stopped, does nothing.
    @discardableResult
    func stop(grace: Duration = .seconds(60)) async -> (seconds: Double, killed: Bool) {
        guard !stopped else { return (0, false) }
        stopped = true
        let start = ContinuousClock.now
        kill(child.pid, SIGTERM)
        while ContinuousClock.now - start < grace {
            if child.poll() != nil { return ((ContinuousClock.now - start).seconds, false) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        kill(child.pid, SIGKILL)
        while child.poll() == nil { try? await Task.sleep(for: .milliseconds(10)) }
        return ((ContinuousClock.now - start).seconds, true)
    }

    func sample() -> ProcessSample? { ProcessSample.read(child.pid) }
}
