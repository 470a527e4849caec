import CSessionSpawn
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A session's started process and this side's descriptors, from CSessionSpawn.
///
/// The descriptors are handed to NIO pipe channels, which then own them; the one exception is
/// ``windowSizeDescriptor``, a duplicate of the PTY master this type owns for TIOCSWINSZ, closed
/// by ``closeWindowSizeDescriptor()`` when the session ends.
struct SpawnedSessionProcess: Sendable {
    /// Also the process group: the child leads a new session.
    var pid: pid_t
    /// With a PTY: the master (read and write). Without: nil.
    var ptyMaster: CInt?
    var windowSizeDescriptor: CInt?
    /// Without a PTY: our ends of the child's stdin, stdout and stderr.
    var pipes: (stdin: CInt, stdout: CInt, stderr: CInt)?

    /// A PTY opened for a session, before its process starts.
    struct Terminal {
        var master: CInt
        var slave: CInt
        var name: String
    }

    /// Opens a PTY of `size`, owned by `owner` when sessions switch user.
    static func openTerminal(_ size: TerminalSize, owner: uid_t?) throws -> Terminal {
        var master: CInt = -1, slave: CInt = -1
        var name = [CChar](repeating: 0, count: 128)
        let status = joinery_session_open_pty(
            UInt16(clamping: size.rows), UInt16(clamping: size.columns), UInt16(clamping: size.widthPixels),
            UInt16(clamping: size.heightPixels), owner ?? uid_t.max, &master, &slave, &name, name.count)
        guard status == 0 else { throw SessionStartError(step: 0, errno: status, path: "") }
        return Terminal(master: master, slave: slave, name: String(cString: name))
    }

    /// Forks and execs `launch` on `terminal` (or pipes). Blocks until the child has exec'd:
    /// call it off the event loop. The terminal's slave is closed either way, its master on failure.
    static func spawn(_ launch: SessionLaunch, on terminal: Terminal?) throws -> SpawnedSessionProcess {
        defer { if let terminal { _ = close(terminal.slave) } }
        var groups = launch.switchTo?.groups ?? []
        var child = joinery_session_child()
        var step: Int32 = 0
        let status: Int32 = withCStrings(launch.arguments) { argv in
            withCStrings(launch.environment) { envp in
                groups.withUnsafeMutableBufferPointer { groupBuffer in
                    var identity = joinery_session_identity()
                    if let account = launch.switchTo {
                        identity.change = 1
                        identity.uid = account.uid
                        identity.gid = account.gid
                        identity.groups = UnsafePointer(groupBuffer.baseAddress)
                        identity.group_count = Int32(groupBuffer.count)
                    }
                    return joinery_session_spawn(
                        launch.path, argv, envp, launch.directory, &identity, terminal?.slave ?? -1, &child, &step)
                }
            }
        }
        guard status == 0 else {
            if let terminal { _ = close(terminal.master) }
            throw SessionStartError(step: step, errno: status, path: launch.path)
        }
        if let terminal {
            let duplicate = fcntl(terminal.master, F_DUPFD_CLOEXEC, 3)
            return SpawnedSessionProcess(
                pid: child.pid, ptyMaster: terminal.master, windowSizeDescriptor: duplicate >= 0 ? duplicate : nil,
                pipes: nil)
        }
        return SpawnedSessionProcess(
            pid: child.pid, ptyMaster: nil, windowSizeDescriptor: nil,
            pipes: (child.stdin_fd, child.stdout_fd, child.stderr_fd))
    }

    func setWindowSize(_ size: TerminalSize) {
        guard let descriptor = windowSizeDescriptor else { return }
        _ = joinery_session_set_window_size(
            descriptor, UInt16(clamping: size.rows), UInt16(clamping: size.columns),
            UInt16(clamping: size.widthPixels), UInt16(clamping: size.heightPixels))
    }

    /// Signals the whole process group the session leads.
    func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// Closes every descriptor: for a process whose session went away before NIO took them.
    mutating func closeDescriptors() {
        closeWindowSizeDescriptor()
        if let ptyMaster { _ = close(ptyMaster) }
        if let pipes {
            _ = close(pipes.stdin)
            _ = close(pipes.stdout)
            _ = close(pipes.stderr)
        }
        ptyMaster = nil
        pipes = nil
    }

    /// Closes the TIOCSWINSZ duplicate; safe to call twice.
    mutating func closeWindowSizeDescriptor() {
        if let descriptor = windowSizeDescriptor { _ = close(descriptor) }
        windowSizeDescriptor = nil
    }
}

/// Why a session's process could not be started: the step that failed and its errno.
struct SessionStartError: Error, CustomStringConvertible {
    var step: Int32
    var errno: Int32
    var path: String

    var description: String {
        let what: String
        switch step {
        case 0: what = "opening a PTY"
        case 1: what = "creating a pipe"
        case 2: what = "fork"
        case 3: what = "setsid"
        case 4: what = "taking the PTY as controlling terminal"
        case 5: what = "redirecting standard descriptors"
        case 6: what = "setgroups"
        case 7: what = "setgid"
        case 8: what = "setuid"
        case 9: what = "closing inherited descriptors"
        case 10: what = "execve \(path)"
        default: what = "step \(step)"
        }
        return "could not start the session's process: \(what) failed: \(String(cString: strerror(errno)))"
    }
}

/// Runs `body` with a NULL-terminated C array of copies of `strings`.
private func withCStrings<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
