import Foundation
import JoinCore

/// Keeps a process's identity under `data_dir` (DESIGN.md §6): a 0700 directory holding
/// `identity.json` (mode 0600, the single source of truth, written atomically last) and
/// `host_uuid`, plus the keys and certificates exported as separate files under `keys/` for
/// tools such as sshd (`ssh_host_key`, `ssh_host_key-cert.pub`, `host.crt`, `host.key`,
/// `ca.pem`, `ssh_ca.pub`). A crash during a save leaves the previous identity (or none) in
/// place, never half of one; a restart that finds an identity reuses it instead of joining.
public struct IdentityStore: Sendable {
    public let dataDirectory: URL

    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }

    public var identityFile: URL { dataDirectory.appendingPathComponent("identity.json") }
    public var hostUUIDFile: URL { dataDirectory.appendingPathComponent("host_uuid") }
    public var keysDirectory: URL { dataDirectory.appendingPathComponent("keys") }

    /// The stored identity, or `nil` if the process has not joined yet. A file that exists but
    /// cannot be read is an error: silently joining again would hide a damaged data_dir.
    public func load() throws -> Identity? {
        guard FileManager.default.fileExists(atPath: identityFile.path) else { return nil }
        do {
            let data = try Data(contentsOf: identityFile)
            return try JSONDecoder().decode(Identity.self, from: data)
        } catch {
            throw JoinError.badParameter(
                "cannot read the identity in \(identityFile.path) (\(DecodingErrorDescription.describe(error))); " +
                "move it away to join the cluster again")
        }
    }

    /// Saves `identity`: exports first, then `identity.json` (the commit point), then `host_uuid`.
    public func save(_ identity: Identity) throws {
        try AtomicFile.ensureDirectory(dataDirectory, mode: 0o700)
        try export(identity)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(identity), to: identityFile, mode: 0o600)
        try AtomicFile.write(Data((identity.hostID + "\n").utf8), to: hostUUIDFile, mode: 0o600)
    }

    /// Writes the identity's keys and certificates as separate files (private keys 0600).
    public func export(_ identity: Identity) throws {
        try AtomicFile.ensureDirectory(keysDirectory, mode: 0o700)
        let files: [(String, String, mode_t)] = [
            ("ssh_host_key", identity.sshPrivateKey, 0o600),
            ("ssh_host_key-cert.pub", identity.sshCertificate + "\n", 0o644),
            ("ssh_ca.pub", identity.sshCAKeys.joined(separator: "\n") + "\n", 0o644),
            ("host.key", identity.tlsPrivateKey, 0o600),
            ("host.crt", identity.tlsCertificate, 0o644),
            ("ca.pem", identity.tlsCACertificates.joined(), 0o644),
        ]
        for (name, content, mode) in files {
            try AtomicFile.write(Data(content.utf8), to: keysDirectory.appendingPathComponent(name), mode: mode)
        }
    }
}
