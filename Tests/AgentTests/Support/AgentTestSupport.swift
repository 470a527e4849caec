import Foundation
@testable import Agent
#if canImport(Glibc)
import Glibc
#endif

/// A directory under the system temporary directory, removed by the test's tear-down.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("agent-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func url(_ relative: String) -> URL { url.appendingPathComponent(relative) }
}

enum SampleIdentity {
    /// An identity with recognisable dummy contents; the store does not parse PEM or keys.
    static func make(hostID: String = "5b7f6a2e-1c3d-4e5f-8a9b-0c1d2e3f4a5b", caCount: Int = 2,
                     tag: String = "first") -> Identity {
        Identity(
            hostID: hostID, nodeName: "node-\(tag)", clusterName: "example.com", role: "Node",
            sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\n\(tag)-ssh-key\n-----END OPENSSH PRIVATE KEY-----\n",
            sshCertificate: "ssh-ed25519-cert-v01@openssh.com AAAA\(tag) node",
            sshCAKeys: (0..<caCount).map { "ssh-ed25519 AAAA\(tag)ca\($0)" },
            tlsPrivateKey: "-----BEGIN EC PRIVATE KEY-----\n\(tag)-tls-key\n-----END EC PRIVATE KEY-----\n",
            tlsCertificate: "-----BEGIN CERTIFICATE-----\n\(tag)-host-cert\n-----END CERTIFICATE-----\n",
            tlsCACertificates: (0..<caCount).map { "-----BEGIN CERTIFICATE-----\n\(tag)-ca\($0)\n-----END CERTIFICATE-----\n" },
            authServer: "auth.example.com:3025")
    }
}

/// The permission bits of a file or directory (`0o600`, ...).
func permissions(_ url: URL) throws -> Int {
    var info = stat()
    guard stat(url.path, &info) == 0 else {
        throw NSError(domain: "stat", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: url.path])
    }
    return Int(info.st_mode & 0o7777)
}
