import CLISupport
import Foundation
import JoinCore
import Server
import TestSupport
import XCTest

/// The Admin identity belongs to one run of the Auth server: a copy taken before a restart is
/// refused after it, by every Auth server on the backend, with a message that names the cause.
final class AdminIdentityRestartTests: XCTestCase {
    private var running: [RestartableAuthServer] = []
    private var backends: [any Backend] = []

    override func tearDown() async throws {
        for server in running { await server.stop() }
        for backend in backends { try? await backend.close() }
        running = []
        backends = []
    }

    private func backend(at path: URL) throws -> any Backend {
        let backend = try SQLiteBackend(path: path, clock: SystemClock())
        backends.append(backend)
        return backend
    }

    private func started(dataDirectory: URL, backend: any Backend, clock: any JoinClock = SystemClock(),
                         policy: AdminIdentityPolicy = .standard) async throws -> RestartableAuthServer {
        let server = try await RestartableAuthServer.make(dataDirectory: dataDirectory, backend: backend, clock: clock, policy: policy)
        running.append(server)
        try await server.start()
        return server
    }

    func testCopyTakenBeforeARestartIsRefusedAfterIt() async throws {
        let scratch = try scratchDirectory(self)
        let database = scratch.appendingPathComponent("backend.sqlite")
        let dataDirectory = scratch.appendingPathComponent("auth")
        let first = try await started(dataDirectory: dataDirectory, backend: try backend(at: database))
        let copy = try first.copyAdminIdentity(to: scratch.appendingPathComponent("copy"))
        _ = try await adminStatus(identity: copy, at: try XCTUnwrap(first.address))
        await first.stop()

        let second = try await started(dataDirectory: dataDirectory, backend: try backend(at: database))
        let address = try XCTUnwrap(second.address)
        let message = await refusal { try await adminStatus(identity: copy, at: address) }
        XCTAssertTrue(message.contains("belongs to an earlier run of the Auth server"), message)
        XCTAssertTrue(message.contains("use the one in data_dir/admin/ written by the running Auth server"), message)
        let status = try await adminStatus(identity: second.adminDirectory, at: address)
        XCTAssertEqual(status.clusterName, RestartableAuthServer.clusterName, "the new run's identity works")
    }

    func testRunThatDidNotStopCleanlyIsReplacedByTheNextStart() async throws {
        // A crashed run leaves its record behind; the next start on the same data_dir replaces
        // it. Starting the second run while the first still serves shows the same record state.
        let scratch = try scratchDirectory(self)
        let database = scratch.appendingPathComponent("backend.sqlite")
        let dataDirectory = scratch.appendingPathComponent("auth")
        let policy = try AdminIdentityPolicy(lifetime: 8 * 3600, renewAfter: 3600, checkInterval: .milliseconds(50))
        let clock = ManualClock()
        let crashed = try await started(dataDirectory: dataDirectory, backend: try backend(at: database), clock: clock, policy: policy)
        let copy = try crashed.copyAdminIdentity(to: scratch.appendingPathComponent("copy"))
        let next = try await started(dataDirectory: dataDirectory, backend: try backend(at: database), clock: clock, policy: policy)

        for address in [try XCTUnwrap(crashed.address), try XCTUnwrap(next.address)] {
            let message = await refusal { try await adminStatus(identity: copy, at: address) }
            XCTAssertTrue(message.contains("belongs to an earlier run of the Auth server"), message)
        }
        _ = try await adminStatus(identity: next.adminDirectory, at: try XCTUnwrap(crashed.address))

        // Both come to renew; the older process finds it was superseded and takes nothing
        // back: neither the record nor the files in the shared data_dir.
        let current = try XCTUnwrap(try PeerIdentity(subject: try next.adminCertificate().subject).adminRun)
        let before = try next.adminCertificate()
        clock.advance(by: 3601)
        let renewed = try await eventually { try next.adminCertificate() != before }
        XCTAssertTrue(renewed)
        try await Task.sleep(for: .milliseconds(400))
        let recorded = try await AdminGenerationStore(backend: next.backend).current(serverID: current.serverID)
        XCTAssertEqual(recorded, current)
        XCTAssertEqual(try PeerIdentity(subject: try next.adminCertificate().subject).adminRun, current)
        _ = try await adminStatus(identity: next.adminDirectory, at: try XCTUnwrap(next.address))
    }

    func testStoppedServersIdentityIsRefusedByAnotherServerOnTheBackend() async throws {
        let scratch = try scratchDirectory(self)
        let database = scratch.appendingPathComponent("backend.sqlite")
        let stopped = try await started(dataDirectory: scratch.appendingPathComponent("auth-a"), backend: try backend(at: database))
        let other = try await started(dataDirectory: scratch.appendingPathComponent("auth-b"), backend: try backend(at: database))
        let copy = try stopped.copyAdminIdentity(to: scratch.appendingPathComponent("copy"))
        let address = try XCTUnwrap(other.address)
        _ = try await adminStatus(identity: copy, at: address)
        await stopped.stop()

        let message = await refusal { try await adminStatus(identity: copy, at: address) }
        XCTAssertTrue(message.contains("which is no longer running"), message)
        _ = try await adminStatus(identity: other.adminDirectory, at: address)
    }

    func testServerIDIsKeptAcrossRestartsAndGarbageInItIsRefused() async throws {
        let scratch = try scratchDirectory(self)
        let database = scratch.appendingPathComponent("backend.sqlite")
        let dataDirectory = scratch.appendingPathComponent("auth")
        let first = try await started(dataDirectory: dataDirectory, backend: try backend(at: database))
        let firstRun = try PeerIdentity(subject: try first.adminCertificate().subject).adminRun
        await first.stop()
        let second = try await started(dataDirectory: dataDirectory, backend: try backend(at: database))
        let secondRun = try PeerIdentity(subject: try second.adminCertificate().subject).adminRun
        XCTAssertEqual(firstRun?.serverID, secondRun?.serverID)
        XCTAssertNotEqual(firstRun?.generation, secondRun?.generation)
        await second.stop()

        try "../../etc\n".write(to: dataDirectory.appendingPathComponent("auth_server_id"), atomically: true, encoding: .utf8)
        let records = try await second.backend.range(prefix: "/admin_generations/")
        let broken = try await RestartableAuthServer.make(dataDirectory: dataDirectory, backend: second.backend)
        let message = await refusal { try await broken.start() }
        XCTAssertTrue(message.contains("auth_server_id does not hold an Auth server ID"), message)
        let after = try await second.backend.range(prefix: "/admin_generations/")
        XCTAssertEqual(after, records, "nothing recorded")
    }
}
