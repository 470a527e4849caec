import Foundation
import JoinCore
import Logging

/// `tbot keypair create --static` (Teleport 18.8): makes a static bound keypair — a private
/// key kept outside any client storage, for a bot or an agent without lasting storage — and
/// writes it to `--static-key-path` (mode 0600) or, without a path, hands it back to be
/// printed. Its public half is the token's `initial_public_key`; the token must use the
/// `insecure` recovery mode.
///
/// An existing key file is kept (and its key printed again) unless `overwrite` is set.
public struct StaticKeypairCreation: Sendable {
    /// The file to write, or `nil` to print the key.
    public let path: URL?
    public let overwrite: Bool
    let logger: Logger

    public init(path: URL?, overwrite: Bool, logger: Logger) {
        self.path = path
        self.overwrite = overwrite
        self.logger = logger
    }

    /// The key made (or found), with its private half as PEM.
    public struct Created: Sendable {
        public let publicKey: SSHPublicKey
        public let privateKeyPEM: String
        /// Where the private key was written; `nil` when it must be printed.
        public let path: URL?
    }

    /// The key now at ``path``: the existing one, or a new one of the kind `signatureSuite`
    /// (the cluster's suite) calls for.
    public func run(signatureSuite: @Sendable () async throws -> String) async throws -> Created {
        if let path, !overwrite, FileManager.default.fileExists(atPath: path.path) {
            let existing = try StaticBoundKey(path: path.path, field: "--static-key-path")
            logger.warning("an existing static key was found at the given path and will be printed; to generate a new key, pass --overwrite",
                           metadata: ["path": "\(path.path)"])
            return Created(publicKey: existing.key.publicKey.ssh, privateKeyPEM: existing.key.pemRepresentation, path: path)
        }
        let key = try BoundKeypairKeySuite.generateKey(suite: try await signatureSuite())
        if let path {
            try AtomicFile.write(Data(key.pemRepresentation.utf8), to: path, mode: 0o600)
            logger.info("the static private key has been written", metadata: ["path": "\(path.path)"])
        }
        return Created(publicKey: key.publicKey.ssh, privateKeyPEM: key.pemRepresentation, path: path)
    }
}
