import ArgumentParser
import CLIKit
import Foundation
import Glibc
import JoinCore
import JoineryProto

/// `tsh ssh [-p PORT] [-l LOGIN] [LOGIN@]HOST [COMMAND…]`: runs OpenSSH's `ssh` through the
/// Proxy Service with the signed-in user's certificate (``OpenSSHOptions``). HOST is a node
/// name, a host ID, `NAME.<cluster>`, or `key=value` to run COMMAND on every node with that
/// label, each line prefixed with the node's name.
struct SSHCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ssh", abstract: "Run a shell or a command on a node.")

    @Option(name: .short, help: "The node's SSH port (3022 when omitted; nodes behind a tunnel ignore it).")
    var port: Int = 3022
    @Option(name: .short, help: "The Unix login (default: LOGIN@ in the host, else your OS user).")
    var login: String?
    @Flag(name: .short, help: "Force a terminal even for a command.")
    var tty = false
    @Argument(help: "[LOGIN@]HOST")
    var destination: String
    @Argument(parsing: .captureForPassthrough, help: "The command to run; a shell when omitted.")
    var command: [String] = []

    func run() async throws {
        try await CommandErrors.reporting {
            let store = ProfileStore()
            let profile = try store.requireCurrent()
            var host = destination
            var chosenLogin = login
            if let at = destination.lastIndex(of: "@") {
                chosenLogin = chosenLogin ?? String(destination[..<at])
                host = String(destination[destination.index(after: at)...])
            }
            let user = chosenLogin ?? ProcessInfo.processInfo.environment["USER"] ?? "root"
            let nodes = try await ClusterConnection(profile: profile, store: store).nodes()
            let matches = try NodeTarget.resolve(host, in: nodes, cluster: profile.cluster)
            guard !matches.isEmpty else {
                throw JoinError.notFound("no node you may reach matches \"\(host)\"; tsh ls lists them")
            }
            let options = OpenSSHOptions(profile: profile, store: store)
            if !host.contains("=") {
                guard matches.count == 1 else {
                    throw JoinError.badParameter("\(matches.count) nodes are named \"\(host)\"; use a host ID (tsh ls --format=json shows them)")
                }
                // One node: ssh takes over this process (terminal, signals, exit status).
                try Self.exec(options.sshArguments(login: user, host: "\(matches[0].hostID).\(profile.cluster)", port: port,
                                                   command: command, forceTTY: tty))
            }
            guard !command.isEmpty else {
                throw JoinError.badParameter("a label selector runs a command on every match; give the command to run")
            }
            var status: Int32 = 0
            for node in matches {
                let code = try Self.runPrefixed(options.sshArguments(login: user, host: "\(node.hostID).\(profile.cluster)",
                                                                     port: port, command: command, forceTTY: false),
                                                prefix: "[\(node.hostname)] ")
                if code != 0 && status == 0 { status = code }
            }
            if status != 0 { throw ExitCode(status) }
        }
    }

    /// Replaces this process with `ssh` (found on PATH). The signal mask and ignored signals
    /// survive an exec, and this runs on one of Swift's worker threads, whose mask is not the
    /// main thread's: everything is unblocked and reset first, or ssh would never hear of a
    /// window resize (SIGWINCH) or an interrupt.
    static func exec(_ arguments: [String]) throws -> Never {
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        for signal in [SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU] {
            Glibc.signal(signal, SIG_DFL)
        }
        let argv = arguments.map { strdup($0) } + [nil]
        execvp("ssh", argv)
        throw JoinError.unavailable("cannot run ssh (OpenSSH's client): \(String(cString: strerror(errno))); install openssh-client")
    }

    /// Runs `ssh` and prints each line of its output with `prefix`; returns its exit status.
    static func runPrefixed(_ arguments: [String], prefix: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw JoinError.unavailable("cannot run ssh (OpenSSH's client): \(error)")
        }
        var pending = Data()
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            pending += chunk
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                print(prefix + String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        if !pending.isEmpty { print(prefix + String(decoding: pending, as: UTF8.self)) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
