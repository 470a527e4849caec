import Foundation
import TestSupport
import XCTest

/// tctl's identity in `data_dir/admin/`, through the real binaries: a copy taken before the
/// Auth server restarts (here after a crash, SIGKILL) is refused after it with a message that
/// names the cause, and an expired identity is refused by tctl itself before it dials.
final class AdminIdentityLifetimeTests: XCTestCase {
    private var cluster: ClusterProcesses?

    override func tearDown() async throws {
        await cluster?.stop()
        cluster = nil
    }

    func testCopyTakenBeforeAnAuthRestartIsRefusedByTctlAfterIt() async throws {
        let cluster = try ClusterProcesses()
        self.cluster = cluster
        try await cluster.startAuth()
        let admin = cluster.directory.appendingPathComponent("auth/admin")
        let copy = cluster.directory.appendingPathComponent("admin-copy")
        try FileManager.default.copyItem(at: admin, to: copy)
        let arguments = ["--identity", copy.path, "--auth-server", cluster.authAddress, "status"]
        let before = try Command.run(ClusterProcesses.tctl, arguments)
        XCTAssertEqual(before.status, 0, before.combined)

        await cluster.auth?.killAbruptly()
        try await cluster.startAuth()
        let after = try Command.run(ClusterProcesses.tctl, arguments)
        XCTAssertNotEqual(after.status, 0)
        XCTAssertTrue(after.stderr.contains("the admin identity belongs to an earlier run of the Auth server"), after.combined)
        XCTAssertTrue(after.stderr.contains("use the one in data_dir/admin/ written by the running Auth server"), after.combined)
        let fresh = try cluster.tctl(["status"])
        XCTAssertEqual(fresh.status, 0, "the running server's identity works: \(fresh.combined)")
    }

    func testExpiredIdentityGivesTheClearMessageAndTctlDialsNothing() async throws {
        guard FileManager.default.isExecutableFile(atPath: ClusterProcesses.tctl.path) else {
            throw XCTSkip("tctl binary not found at \(ClusterProcesses.tctl.path); run `swift build` first")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-expired-admin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // An admin.crt that expired in 2020, made by openssl (tctl checks the dates before it
        // checks anything else, so the issuer does not matter here).
        let made = try Command.shell("""
            cd '\(folder.path)' && printf '[ca]\\ndefault_ca = d\\n[d]\\ndatabase = index.txt\\nnew_certs_dir = .\\nserial = serial\\ndefault_md = sha256\\npolicy = p\\n[p]\\norganizationName = optional\\ncommonName = optional\\n' > ca.cnf \
            && touch index.txt && echo 01 > serial \
            && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out admin.key \
            && openssl req -new -key admin.key -subj '/O=Admin/CN=admin' -out admin.csr \
            && openssl ca -batch -notext -selfsign -config ca.cnf -keyfile admin.key -in admin.csr \
                 -startdate 20200101000000Z -enddate 20200102000000Z -out admin.crt \
            && cp admin.crt ca.pem
            """)
        XCTAssertEqual(made.status, 0, made.combined)

        // A listener that reports any connection: tctl must not reach it.
        let port = FreePort.next()
        let listener = try ManagedProcess(
            URL(fileURLWithPath: "/usr/bin/python3"),
            ["-u", "-c", """
             import socket
             s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
             s.bind(("127.0.0.1", \(port))); s.listen(8); print("listening", flush=True)
             while True:
                 c, _ = s.accept(); print("connected", flush=True); c.close()
             """],
            logDirectory: folder, name: "listener")
        guard await listener.waitForOutput("listening") else {
            await listener.stop()
            throw XCTSkip("the test listener did not start: \(listener.output)")
        }
        let result = try Command.run(ClusterProcesses.tctl, ["--identity", folder.path, "--auth-server", "127.0.0.1:\(port)", "status"])
        try await Task.sleep(for: .milliseconds(200))
        let heard = listener.output
        await listener.stop()
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("the admin identity has expired; is the Auth server running?"), result.combined)
        XCTAssertFalse(heard.contains("connected"), "tctl dialed the Auth server address: \(heard)")
    }
}
