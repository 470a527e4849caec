import Foundation
import JoinCore
import Logging

/// `tbot keypair create` (spec §8.10): makes the bound keypair a bot will prove itself with,
/// before it first joins, so an administrator can pre-register the public key as the token's
/// `initial_public_key` instead of sharing a registration secret.
///
/// An existing keypair is kept unless `overwrite` is set (a warning either way): replacing a
/// key already registered would lock the bot out. The cluster is asked for its signature
/// algorithm suite (and so the key type it accepts) only when a key is generated; tbot
/// supplies how to ask.
public struct KeypairCreation: Sendable {
    /// The bot's storage directory, where ``BoundKeypairClientState`` keeps the keypair.
    public let directory: URL
    public let overwrite: Bool
    let logger: Logger

    public init(directory: URL, overwrite: Bool, logger: Logger) {
        self.directory = directory
        self.overwrite = overwrite
        self.logger = logger
    }

    /// The public key now in storage: the existing one, or a new one of the kind
    /// `signatureSuite` (the cluster's suite, e.g. `balanced-v1`) calls for.
    public func run(signatureSuite: @Sendable () async throws -> String) async throws -> SSHPublicKey {
        let existing = try BoundKeypairClientState.load(directory: directory, logger: logger).publicKey
        if let existing, !overwrite {
            logger.warning("a keypair already exists in storage and will not be overwritten; pass --overwrite to replace it",
                           metadata: ["storage": "directory: \(directory.path)"])
            return existing
        }
        let suite = try await signatureSuite()
        if existing != nil {
            logger.warning("overwriting the existing keypair in storage; a token bound to the old key will no longer accept this bot",
                           metadata: ["storage": "directory: \(directory.path)"])
        }
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: suite, overwrite: overwrite)
        logger.info("keypair has been written to storage", metadata: ["storage": "directory: \(directory.path)"])
        return created.publicKey
    }
}
