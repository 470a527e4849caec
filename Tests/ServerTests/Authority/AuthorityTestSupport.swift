import Crypto
import Foundation
import JoinCore
import Server
import SwiftASN1
import X509
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The result of running a real tool.
struct ToolOutput {
    let status: Int32
    let stdout: String
    let stderr: String
    var combined: String { stdout + stderr }
}

/// Runs real command-line tools (ssh-keygen, sshd, ssh, openssl) with bounded waits.
enum Tool {
    /// Runs `executable` to completion, killing it after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 20) throws -> ToolOutput {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let process = try start(executable, arguments, stdout: scratch.url("stdout"), stderr: scratch.url("stderr"))
        guard let status = waitForExit(process, timeout: timeout) else {
            stop(process)
            throw JoinError.unavailable("\(executable) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s")
        }
        return ToolOutput(
            status: status,
            stdout: (try? String(contentsOf: scratch.url("stdout"), encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: scratch.url("stderr"), encoding: .utf8)) ?? "")
    }

    /// Waits at most `timeout` for `process` to exit and returns its exit status (128 + signal
    /// if killed). Besides Foundation's own bookkeeping this reaps the child with `waitpid`,
    /// because while another child (sshd) runs, Foundation on Linux was seen to leave an
    /// exited `ssh` as a zombie and report it running forever.
    static func waitForExit(_ process: Process, timeout: TimeInterval) -> Int32? {
        let deadline = Date() + timeout
        let pid = process.processIdentifier
        while Date() < deadline {
            if !process.isRunning { return process.terminationStatus }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal
            }
            usleep(20_000)
        }
        return nil
    }

    /// Terminates `process` (SIGTERM, then SIGKILL after 5 s) and reaps it.
    static func stop(_ process: Process) {
        guard process.processIdentifier > 0 else { return }
        process.terminate()
        if waitForExit(process, timeout: 5) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(process, timeout: 5)
        }
    }

    /// A shell pipeline, for the openssl CA-pin recipe.
    static func shell(_ command: String, timeout: TimeInterval = 20) throws -> ToolOutput {
        try run("/bin/sh", ["-c", command], timeout: timeout)
    }

    /// Starts a process with output sent to files (pipes could fill and block it).
    static func start(_ executable: String, _ arguments: [String], stdout: URL, stderr: URL) throws -> Process {
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        return process
    }
}

/// A fresh directory under the system temporary directory, removed by the test.
struct ScratchDirectory {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-authority-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func url(_ name: String) -> URL { root.appendingPathComponent(name) }

    /// Writes `text` to `name` with `permissions` and returns the path.
    @discardableResult
    func write(_ text: String, to name: String, permissions: Int = 0o600) throws -> String {
        let path = url(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
        return path
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// Shared fixtures: a cluster, its CAs, host requests with real keys.
enum AuthorityFixtures {
    static let clusterName = "example.com"
    /// A fixed moment so validity checks are repeatable.
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    static func hostCA(cluster: String = clusterName, now: Date = Date()) throws -> CertificateAuthority {
        try CertificateAuthority.generate(kind: .host, clusterName: cluster, now: now)
    }

    static func userCA(cluster: String = clusterName, now: Date = Date()) throws -> CertificateAuthority {
        try CertificateAuthority.generate(kind: .user, clusterName: cluster, now: now)
    }

    static func tlsPublicKeyDER() -> [UInt8] {
        Array(P256.Signing.PrivateKey().publicKey.derRepresentation)
    }

    static func hostRequest(
        hostID: String = "5f1c8a52-7e1e-4a55-9f0e-3f0b4c3f6a21", nodeName: String = "node-1",
        role: SystemRole = .instance, systemRoles: [SystemRole] = [.node],
        sshKey: SSHPublicKey = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey),
        additionalPrincipals: [String] = [], dnsNames: [String] = [], remoteHost: String? = nil,
        now: Date = Date()
    ) -> HostCertificateRequest {
        HostCertificateRequest(
            hostID: hostID, nodeName: nodeName, clusterName: clusterName, role: role, systemRoles: systemRoles,
            sshPublicKey: sshKey, tlsPublicKeyDER: tlsPublicKeyDER(), additionalPrincipals: additionalPrincipals,
            dnsNames: dnsNames, remoteHost: remoteHost, now: now)
    }

    /// DER SubjectPublicKeyInfo of any key swift-certificates knows.
    static func spkiDER(_ key: Certificate.PublicKey) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(key)
        return serializer.serializedBytes
    }

    static func pem(_ certificate: Certificate) throws -> String {
        try certificate.serializeAsPEM().pemString + "\n"
    }

    static func pem(der: [UInt8]) throws -> String {
        try pem(Certificate(derEncoded: der))
    }
}

/// Asserts that `body` throws a `JoinError` of `kind`, and returns it.
@discardableResult
func assertJoinError<T>(
    _ kind: JoinError.Kind, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
) -> JoinError? {
    do {
        _ = try body()
        XCTFail("expected a \(kind) error, got success", file: file, line: line)
    } catch let error as JoinError {
        XCTAssertEqual(error.kind, kind, "message: \(error.message)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected a JoinError, got \(error)", file: file, line: line)
    }
    return nil
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw JoinError.unavailable("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw JoinError.unavailable("could not bind a loopback port") }
    return UInt16(bigEndian: address.sin_port)
}
