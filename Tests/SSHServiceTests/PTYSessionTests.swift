import Foundation
import SSHService
import TestSupport
import XCTest

/// Sessions with a PTY: the size and TERM the client asked for, window changes, the shell as a
/// login shell, and the exit status when the user types `exit`.
final class PTYSessionTests: XCTestCase {
    private var bed: SSHTestBed!

    override func setUp() async throws {
        try await CertificateLoginSupport.require()
        bed = try SSHTestBed()
        try await bed.start()
    }

    override func tearDown() async throws {
        await bed?.tearDown()
    }

    func testForcedPTYGetsTheClientsTermAndSizeAndIsInteractive() async throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        // Without a local terminal, `ssh -tt` sends a 0x0 window (it cannot read a size).
        let result = try bed.ssh(key: key, command: #"stty size; echo "term=$TERM"; test "$(tty)" = "$SSH_TTY" && echo tty-ok; exit 4"#,
                                 extra: ["-tt"], environment: ["TERM": "xterm-256color"])
        // A PTY turns "\n" into "\r\n" (one Character in Swift).
        let lines = result.stdout.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(lines, ["0 0", "term=xterm-256color", "tty-ok"], result.stdout + result.stderr)
        XCTAssertEqual(result.status, 4)
        let start = await bed.auditor.waitFor(.sessionStart)
        XCTAssertEqual(start?.interactive, true)
        let end = await bed.auditor.waitFor(.sessionEnd)
        XCTAssertEqual(end?.exitCode, 4)
    }

    func testWindowChangeReachesTheTerminalAndExitStatusComesBack() async throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        let tmux = try TmuxSession(directory: bed.directory)
        defer { tmux.kill() }
        let status = bed.directory.appendingPathComponent("ssh-status").path
        try tmux.start(width: 100, height: 30, command: bed.sshCommandLine(key: key) + "; echo $? > " + shellQuoted(status))

        let prompt = try await tmux.waitForPane(containing: "#")
        XCTAssertTrue(prompt, "no shell prompt: \((try? tmux.capture()) ?? "")")
        let first = try tmux.paneSize()
        try tmux.type("stty size")
        let firstShown = try await tmux.waitForPane(containing: "\(first.rows) \(first.columns)")
        XCTAssertTrue(firstShown, (try? tmux.capture()) ?? "")

        try tmux.resize(width: 120, height: 40)
        let second = try tmux.paneSize()
        XCTAssertNotEqual(second.rows, first.rows)
        try tmux.type("clear; stty size")
        let secondShown = try await tmux.waitForPane(containing: "\(second.rows) \(second.columns)")
        XCTAssertTrue(secondShown, (try? tmux.capture()) ?? "")

        try tmux.type("exit 5")
        let deadline = Date().addingTimeInterval(15)
        var written = ""
        while Date() < deadline {
            written = (try? String(contentsOfFile: status, encoding: .utf8)) ?? ""
            if !written.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertEqual(written.trimmingCharacters(in: .whitespacesAndNewlines), "5")
        let end = await bed.auditor.waitFor(.sessionEnd)
        XCTAssertEqual(end?.exitCode, 5)
        XCTAssertEqual(end?.interactive, true)
        let exec = await bed.auditor.events.filter { $0.kind == .exec }
        XCTAssertEqual(exec, [], "a shell session is not an exec")
    }

    func testShellIsStartedAsALoginShell() async throws {
        let key = try bed.userKey("alice", ca: bed.userCA)
        // `shell` request without a PTY: bash reads the commands from stdin; $0 shows the login dash.
        let result = try Command.shell("printf 'echo \"zero=$0\"; shopt -q login_shell && echo login\\n' | "
                                       + bed.sshCommandLine(key: key, extra: ["-T"]), timeout: 30)
        XCTAssertEqual(result.stdout.split(separator: "\n").suffix(2), ["zero=-bash", "login"], result.stderr)
        XCTAssertEqual(result.status, 0)
    }
}

/// A tmux server of its own (private socket) running one session, for driving `ssh` in a real terminal.
final class TmuxSession: @unchecked Sendable {
    private let socket: String
    private let name = "joinery"

    init(directory: URL) throws {
        socket = directory.appendingPathComponent("tmux.sock").path
    }

    private func tmux(_ arguments: [String]) throws -> CommandResult {
        let result = try Command.run("/usr/bin/tmux", ["-S", socket, "-f", "/dev/null"] + arguments, timeout: 15)
        guard result.status == 0 else { throw TestBedError("tmux \(arguments.joined(separator: " ")): \(result.combined)") }
        return result
    }

    func start(width: Int, height: Int, command: String) throws {
        _ = try tmux(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", command])
    }

    func type(_ line: String) throws {
        _ = try tmux(["send-keys", "-t", name, line, "Enter"])
    }

    func capture() throws -> String {
        try tmux(["capture-pane", "-p", "-t", name]).stdout
    }

    func paneSize() throws -> (rows: Int, columns: Int) {
        let parts = try tmux(["display-message", "-p", "-t", name, "#{pane_height} #{pane_width}"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").compactMap { Int($0) }
        guard parts.count == 2 else { throw TestBedError("unexpected pane size") }
        return (parts[0], parts[1])
    }

    func resize(width: Int, height: Int) throws {
        _ = try tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    func waitForPane(containing text: String, seconds: Double = 15) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let pane = try? capture(), pane.contains(text) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func kill() {
        _ = try? Command.run("/usr/bin/tmux", ["-S", socket, "kill-server"], timeout: 10)
    }
}
