import Foundation
import SSHService
import TestSupport
import XCTest

/// `ssh host command`: the command runs through the login's shell, its output and exit status
/// come back, and the audit log has the session.
final class ExecSessionTests: XCTestCase {
    private var bed: SSHTestBed!

    override func setUp() async throws {
        try await CertificateLoginSupport.require()
        bed = try SSHTestBed()
        try await bed.start()
    }

    override func tearDown() async throws {
        await bed?.tearDown()
    }

    func testExecReturnsOutputAndExitStatusAndIsAudited() async throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        let result = try bed.ssh(key: key, command: "echo hi; exit 3")
        XCTAssertEqual(result.stdout, "hi\n", result.stderr)
        XCTAssertEqual(result.status, 3)

        let start = await bed.auditor.waitFor(.sessionStart)
        let exec = await bed.auditor.waitFor(.exec)
        let end = await bed.auditor.waitFor(.sessionEnd)
        XCTAssertEqual(start?.user, "alice")
        XCTAssertEqual(start?.login, "root")
        XCTAssertEqual(start?.interactive, false)
        XCTAssertTrue(start?.clientAddress.hasPrefix("127.0.0.1:") ?? false, "\(String(describing: start))")
        XCTAssertEqual(exec?.command, "echo hi; exit 3")
        XCTAssertEqual(exec?.exitCode, 3)
        XCTAssertEqual(end?.exitCode, 3)
        XCTAssertNotNil(end?.durationSeconds)
        XCTAssertGreaterThan(end?.durationSeconds ?? -1, 0)
        XCTAssertEqual(Set([start?.sessionID, exec?.sessionID, end?.sessionID]).count, 1)
        let authFailures = await bed.auditor.events.filter { $0.kind == .authFailure }
        XCTAssertEqual(authFailures, [])
    }

    func testPolicyIsAskedWithTheCertificatesIdentityAndRoles() async throws {
        let key = try bed.userKey("alice", ca: bed.userCA, principals: ["root", "admin"])
        let result = try bed.ssh(key: key, command: "true")
        XCTAssertEqual(result.status, 0, result.stderr)

        let requests = await bed.policy.requests
        XCTAssertEqual(requests.count, 1)
        XCTAssertEqual(requests.first?.user, "alice")
        XCTAssertEqual(requests.first?.login, "root")
        XCTAssertEqual(requests.first?.roles, ["access"])
        XCTAssertEqual(requests.first?.principals, ["root", "admin"])
        XCTAssertTrue(requests.first?.clientAddress.hasPrefix("127.0.0.1:") ?? false)
        let validBefore = try XCTUnwrap(requests.first?.certificateValidBefore)
        XCTAssertEqual(validBefore.timeIntervalSinceNow, 3600, accuracy: 120)
    }

    func testStandardErrorArrivesAsExtendedDataWithoutPTY() async throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        let result = try bed.ssh(key: key, command: "echo out; echo err >&2")
        XCTAssertEqual(result.stdout, "out\n")
        XCTAssertEqual(result.stderr, "err\n")
        XCTAssertEqual(result.status, 0)
    }

    func testClientInputReachesTheCommandAndItsEOFClosesStdin() async throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        let result = try Command.shell("printf 'from-the-client' | " + bed.sshCommandLine(key: key, command: "cat; echo ' done'"), timeout: 30)
        XCTAssertEqual(result.stdout, "from-the-client done\n", result.stderr)
        XCTAssertEqual(result.status, 0)
    }

    func testAcceptedEnvironmentReachesTheSessionAndOthersDoNot() async throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        let result = try bed.ssh(
            key: key, command: #"echo "lang=$LANG lc=$LC_TIME secret=${JOINERY_SECRET-unset} user=$USER home=$HOME logname=$LOGNAME""#,
            extra: ["-o", "SendEnv=LANG LC_TIME JOINERY_SECRET"],
            environment: ["LANG": "xx_JOINERY.UTF-8", "LC_TIME": "C", "JOINERY_SECRET": "must-not-arrive"])
        XCTAssertEqual(result.stdout, "lang=xx_JOINERY.UTF-8 lc=C secret=unset user=root home=/root logname=root\n", result.stderr)
    }

    func testSessionDoesNotInheritTheServersEnvironment() async throws {
        setenv("JOINERY_SERVER_ONLY", "leaked", 1)
        defer { unsetenv("JOINERY_SERVER_ONLY") }
        let key = try bed.userKey("alice", ca: bed.userCA)
        let result = try bed.ssh(key: key, command: #"echo "${JOINERY_SERVER_ONLY-absent} $SSH_TELEPORT_USER"; echo "$SSH_CONNECTION""#)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "absent alice", result.stderr)
        XCTAssertEqual(lines.last?.split(separator: " ").first, "127.0.0.1")
        XCTAssertEqual(lines.last?.split(separator: " ").last, "\(bed.port)")
    }

    func testSessionRunsAsTheLoginsUnixUserInItsHome() async throws {
        guard getuid() == 0 else { throw XCTSkip("switching users needs root") }
        guard let account = Self.nonRootAccountWithShell() else { throw XCTSkip("no non-root account with a shell") }
        let key = try bed.userKey("alice", ca: bed.userCA, principals: [account.name])
        let result = try bed.ssh(login: account.name, key: key, command: "id -u; id -g; pwd")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, result.stderr)
        XCTAssertEqual(lines.first, "\(account.uid)")
        XCTAssertEqual(lines.dropFirst().first, "\(account.gid)")
        let homeExists = FileManager.default.fileExists(atPath: account.home)
        XCTAssertEqual(lines.last, homeExists ? account.home : "/")
    }

    func testExecOfAMissingCommandReportsTheShellsStatus() async throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        let result = try bed.ssh(key: key, command: "/nonexistent/joinery-command")
        XCTAssertEqual(result.status, 127)
        XCTAssertTrue(result.stderr.contains("No such file"), result.stderr)
        let exec = await bed.auditor.waitFor(.exec)
        XCTAssertEqual(exec?.exitCode, 127)
    }

    /// A passwd entry other than root whose shell is a real shell (postgres, a CI user…).
    static func nonRootAccountWithShell() -> (name: String, uid: uid_t, gid: gid_t, home: String)? {
        guard let passwd = try? String(contentsOfFile: "/etc/passwd", encoding: .utf8) else { return nil }
        for line in passwd.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 7, let uid = uid_t(fields[2]), let gid = gid_t(fields[3]), uid != 0,
                  fields[6].hasSuffix("/bash") || fields[6].hasSuffix("/sh") else { continue }
            return (fields[0], uid, gid, fields[5])
        }
        return nil
    }
}
