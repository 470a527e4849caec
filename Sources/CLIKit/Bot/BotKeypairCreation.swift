import Agent
import BoundKeypairJoin
import Foundation
import JoinCore
import Logging

/// `tbot keypair create` (spec §8.10): makes the bound keypair a bot will prove itself with,
/// before it first joins, so an administrator can pre-register the public key as the token's
/// `initial_public_key` instead of sharing a registration secret.
///
/// An existing keypair is kept unless `overwrite` is set (a warning either way): replacing a
/// key already registered would lock the bot out. The cluster is pinged only when a key is
/// generated, to learn its signature algorithm suite and so the key type it accepts.
public struct BotKeypairCreation: Sendable {
    public let storage: DirectoryDestination
    /// `--proxy-server` as given.
    public let proxyServer: String
    public let overwrite: Bool
    let logger: Logger

    /// - Parameters:
    ///   - storage: `--storage`, a directory path or `file:///path`.
    ///   - proxyServer: `--proxy-server`, the Proxy Service to ping (an Auth address also
    ///     works, see ``ClusterRoute``).
    public init(storage: String, proxyServer: String, overwrite: Bool, logger: Logger) throws {
        self.storage = try DirectoryDestination(uri: storage)
        self.proxyServer = proxyServer
        self.overwrite = overwrite
        self.logger = logger
    }

    /// The public key now in storage: the existing one, or a new one.
    public func run() async throws -> SSHPublicKey {
        let directory = storage.url
        let existing = try BoundKeypairClientState.load(directory: directory, logger: logger).publicKey
        if let existing, !overwrite {
            logger.warning("a keypair already exists in storage and will not be overwritten; pass --overwrite to replace it",
                           metadata: ["storage": "directory: \(directory.path)"])
            return existing
        }
        // Only the signature suite is read and nothing secret is sent, so the Proxy Service's
        // certificate is not verified here (as for a Ping to an Auth server).
        let suite = try await ClusterRoute.signatureSuite(of: proxyServer, field: "--proxy-server", logger: logger)
        if existing != nil {
            logger.warning("overwriting the existing keypair in storage; a token bound to the old key will no longer accept this bot",
                           metadata: ["storage": "directory: \(directory.path)"])
        }
        let created = try BoundKeypairClientState.createKeypair(in: directory, suite: suite, overwrite: overwrite)
        logger.info("keypair has been written to storage", metadata: ["storage": "directory: \(directory.path)"])
        return created.publicKey
    }
}
