import CPluginSpawn
import Foundation
import JoinCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A running plugin program. Its standard input is a pipe whose other end this object holds:
/// closing it (on ``terminate()`` or when this object goes away) tells the plugin to exit, so a
/// plugin never outlives its host. Output goes to the host's standard error, where the operator
/// sees it with the host's own logs.
///
/// The program gets exactly the environment it is handed, file descriptors 0-2 and nothing else
/// of the host's (every other descriptor is closed before it runs, close-on-exec or not), the
/// user of ``PluginUser`` when one is given, and no way to gain privileges through setuid
/// programs (`PR_SET_NO_NEW_PRIVS`). See CPluginSpawn for why this is C.
final class PluginProcess: Sendable {
    let pid: pid_t
    private let stdinWriter = Mutex<Int32>(-1)
    private let exitStatus = Mutex<Int32?>(nil)

    init(executable: String, arguments: [String], environment: [String: String], user: PluginUser? = nil) throws {
        var pipeEnds: [Int32] = [0, 0]
        guard joinery_cloexec_pipe(&pipeEnds) == 0 else { throw JoinError.unavailable("cannot create a pipe for the join plugin") }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let groups = user?.groups ?? []
        var child: pid_t = 0
        var step: Int32 = 0
        let status = groups.withUnsafeBufferPointer { groupList in
            var identity = joinery_spawn_identity(
                change: user?.switches == true ? 1 : 0, uid: user?.uid ?? 0, gid: user?.gid ?? 0,
                groups: groupList.baseAddress, group_count: Int32(groupList.count))
            return joinery_plugin_spawn(executable, argv, envp, pipeEnds[0], 2, &identity, &child, &step)
        }
        close(pipeEnds[0])
        guard status == 0 else {
            close(pipeEnds[1])
            throw JoinError.unavailable("cannot start the join plugin \(executable): \(Self.describe(step: step, user: user)): \(String(cString: strerror(status)))")
        }
        pid = child
        stdinWriter.withLock { $0 = pipeEnds[1] }
    }

    private static func describe(step: Int32, user: PluginUser?) -> String {
        let who = user.map { "user \($0.name) (uid \($0.uid))" } ?? "its user"
        switch UInt32(step) {
        case JOINERY_SPAWN_STEP_SETGROUPS.rawValue: return "cannot set the groups of \(who)"
        case JOINERY_SPAWN_STEP_SETGID.rawValue: return "cannot switch to the group of \(who)"
        case JOINERY_SPAWN_STEP_SETUID.rawValue: return "cannot switch to \(who)"
        case JOINERY_SPAWN_STEP_NO_NEW_PRIVS.rawValue: return "cannot set no_new_privs"
        case JOINERY_SPAWN_STEP_CLOSE_FDS.rawValue: return "cannot close inherited file descriptors"
        case JOINERY_SPAWN_STEP_EXEC.rawValue: return "exec failed as \(who)"
        case JOINERY_SPAWN_STEP_FORK.rawValue: return "fork failed"
        default: return "cannot set up its standard input and output"
        }
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
