#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The signal names of RFC 4254 §6.10 (without the `SIG` prefix) and their numbers here, for
/// `signal` requests in and `exit-signal` out.
enum SSHSignalName {
    static let numbers: [String: Int32] = [
        "ABRT": SIGABRT, "ALRM": SIGALRM, "FPE": SIGFPE, "HUP": SIGHUP, "ILL": SIGILL, "INT": SIGINT,
        "KILL": SIGKILL, "PIPE": SIGPIPE, "QUIT": SIGQUIT, "SEGV": SIGSEGV, "TERM": SIGTERM,
        "USR1": SIGUSR1, "USR2": SIGUSR2,
    ]

    static func number(_ name: String) -> Int32? { numbers[name] }

    /// The RFC name for `signal`, or `SIG<number>` style for one it does not list.
    static func name(_ signal: Int32) -> String {
        numbers.first { $0.value == signal }?.key ?? "SIG\(signal)"
    }
}
