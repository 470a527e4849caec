import Foundation
import JoinCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A running plugin program, started with `posix_spawn`. Its standard input is a pipe whose
/// other end this object holds: closing it (on ``terminate()`` or when this object goes away)
/// tells the plugin to exit, so a plugin never outlives its host. Output goes to the host's
/// standard error, where the operator sees it with the host's own logs.
final class PluginProcess: Sendable {
    let pid: pid_t
    private let stdinWriter = Mutex<Int32>(-1)
    private let exitStatus = Mutex<Int32?>(nil)

    init(executable: String, arguments: [String], environment: [String: String]) throws {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw JoinError.unavailable("cannot create a pipe for the join plugin") }
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        close(pipeEnds[0])
        guard status == 0 else {
            close(pipeEnds[1])
            throw JoinError.unavailable("cannot start the join plugin \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        stdinWriter.withLock { $0 = pipeEnds[1] }
    }

    deinit { terminate() }

    /// Whether the program is still running (reaps it once it has exited).
    var isRunning: Bool {
        exitStatus.withLock { recorded in
            if recorded != nil { return false }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || result < 0 {
                recorded = result < 0 ? -1 : status
                return false
            }
            return true
        }
    }

    /// Asks the program to exit (end of input, then SIGTERM), and kills it if it has not within
    /// half a second.
    func terminate() {
        stdinWriter.withLock { writer in
            if writer >= 0 { close(writer) }
            writer = -1
        }
        guard isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<50 where isRunning { usleep(10_000) }
        if isRunning {
            kill(pid, SIGKILL)
            for _ in 0..<100 where isRunning { usleep(10_000) }
        }
    }
}
