#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// How a session's process ended, as SSH reports it: `exit-status`, or `exit-signal`.
enum ProcessExit: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32, coreDumped: Bool)

    init(waitStatus status: Int32) {
        // The <sys/wait.h> macros are not importable; these are their Linux/BSD definitions.
        let terminatingSignal = status & 0x7f
        if terminatingSignal == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(terminatingSignal, coreDumped: status & 0x80 != 0)
        }
    }

    /// The audit log's exit code: the status, or 128 + the signal as shells report it.
    var auditCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal, _): 128 + signal
        }
    }
}

/// Waits for one child to end on a thread of its own, so no event loop ever blocks in waitpid,
/// and reports how it ended. Only this pid is waited for: nothing else in the process is reaped.
enum ProcessExitWatcher {
    static func watch(_ pid: pid_t, onExit: @escaping @Sendable (ProcessExit) -> Void) {
        let thread = Thread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                guard errno == EINTR else {
                    // ECHILD: someone else reaped it; report a failure rather than hang the session.
                    onExit(.exited(255))
                    return
                }
            }
            onExit(ProcessExit(waitStatus: status))
        }
        thread.name = "joinery-ssh-wait-\(pid)"
        thread.stackSize = 64 * 1024
        thread.start()
    }
}
