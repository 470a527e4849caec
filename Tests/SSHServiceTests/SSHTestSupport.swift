import Crypto
import Foundation
import Logging
import NIOCore
import NIOSSH
import SSHService
import TestSupport
import XCTest

/// Records audit events so tests can wait for them (bounded).
actor RecordingAuditor: SSHSessionAuditor {
    private(set) var events: [SSHSessionEvent] = []

    func record(_ event: SSHSessionEvent) {
        events.append(event)
    }

    /// The first event of `kind` matching `predicate`, waiting up to `seconds` for it.
    func waitFor(_ kind: SSHSessionEvent.Kind, seconds: Double = 10,
                 where predicate: @Sendable (SSHSessionEvent) -> Bool = { _ in true }) async -> SSHSessionEvent? {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if let event = events.first(where: { $0.kind == kind && predicate($0) }) { return event }
            try? await Task.sleep(for: .milliseconds(50))
        } while Date() < deadline
        return nil
    }
}

/// A policy that answers with a fixed decision and remembers what it was asked.
actor FixedPolicy: SSHAccessPolicy {
    private let decision: SSHLoginDecision
    private(set) var requests: [SSHLoginRequest] = []

    init(_ decision: SSHLoginDecision) {
        self.decision = decision
    }

    func decide(_ request: SSHLoginRequest) async -> SSHLoginDecision {
        requests.append(request)
        return decision
    }
}

/// A scratch directory of keys and certificates made with the real ssh-keygen, a running
/// SSHServer on 127.0.0.1, and the real OpenSSH client to talk to it.
final class SSHTestBed: @unchecked Sendable {
    let directory: URL
    let auditor = RecordingAuditor()
    let policy: FixedPolicy
    let userCA: String
    private(set) var server: SSHServer?
    private(set) var port = 0

    static let teleportRoles = #"{"version":"v1","roles":["access"]}"#

    init(policy: SSHLoginDecision = .allow) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssh-service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.policy = FixedPolicy(policy)
        userCA = directory.appendingPathComponent("user-ca").path
        try Self.keygen(userCA)
    }

    /// Starts the server trusting `userCA`, with an optional fake clock.
    func start(now: (@Sendable () -> Date)? = nil, authenticationTimeout: TimeAmount = .seconds(30)) async throws {
        let caKey = try NIOSSHPublicKey(openSSHPublicKey: String(contentsOfFile: userCA + ".pub", encoding: .utf8))
        var settings = SSHServiceSettings(
            hostKey: NIOSSHPrivateKey(ed25519Key: Curve25519.Signing.PrivateKey()), trustedUserCAKeys: [caKey],
            policy: policy, auditor: auditor, authenticationTimeout: authenticationTimeout)
        if let now { settings.now = now }
        let server = SSHServer(settings: settings, logger: Logger(label: "ssh-service-test"))
        let address = try await server.listen(host: "127.0.0.1", port: 0)
        self.server = server
        port = address.port ?? 0
    }

    func tearDown() async {
        await server?.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    static func keygen(_ path: String) throws {
        let result = try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path], timeout: 30)
        guard result.status == 0 else { throw TestBedError("ssh-keygen -t ed25519 failed: \(result.combined)") }
    }

    /// A new user key and, unless `ca` is nil, its certificate (`<key>-cert.pub`).
    func userKey(_ name: String, ca: String?, keyID: String = "alice", principals: [String] = ["root"],
                 validity: String = "-5m:+1h", extensions: [String] = ["extension:teleport-roles=\(SSHTestBed.teleportRoles)"],
                 options: [String] = []) throws -> String {
        let key = directory.appendingPathComponent(name).path
        try Self.keygen(key)
        guard let ca else { return key }
        var arguments = ["-q", "-s", ca, "-I", keyID, "-n", principals.joined(separator: ","), "-V", validity]
        for option in extensions + options { arguments += ["-O", option] }
        let result = try Command.run("/usr/bin/ssh-keygen", arguments + [key + ".pub"], timeout: 30)
        guard result.status == 0 else { throw TestBedError("ssh-keygen -s failed: \(result.combined)") }
        return key
    }

    /// The OpenSSH client options every test uses: no config, no host key checks, only this key.
    func clientOptions(key: String, extra: [String] = []) -> [String] {
        let certificate = key + "-cert.pub"
        let certificateOption = FileManager.default.fileExists(atPath: certificate) ? ["-o", "CertificateFile=\(certificate)"] : []
        let verbose = ProcessInfo.processInfo.environment["JOINERY_SSH_VERBOSE"] != nil ? ["-vvv"] : []
        return ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
         "-i", key, "-p", "\(port)"] + certificateOption + verbose + extra
    }

    /// Runs `ssh login@127.0.0.1 command` to completion (bounded).
    func ssh(login: String = "root", key: String, command: String, extra: [String] = [],
             environment: [String: String] = [:]) throws -> CommandResult {
        try Command.run("/usr/bin/ssh", clientOptions(key: key, extra: extra) + ["\(login)@127.0.0.1", command],
                        environment: environment, timeout: 30)
    }

    /// The shell-quoted ssh command line, for tmux and pipelines.
    func sshCommandLine(login: String = "root", key: String, extra: [String] = [], command: String? = nil) -> String {
        (["/usr/bin/ssh"] + clientOptions(key: key, extra: extra) + ["\(login)@127.0.0.1"] + (command.map { [$0] } ?? []))
            .map(shellQuoted).joined(separator: " ")
    }
}

func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

struct TestBedError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
