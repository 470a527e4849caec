import Foundation
import JoinCore
import Logging

/// A bot's bound-keypair state in its storage directory (spec §8.8): the active private key
/// (`id_bkp`, PEM) and its public half (`id_bkp.pub`, authorized_keys), the last join state
/// (`bkp_state`) and the recent keys (`bkp_key_history.json`, newest first, at most 10).
///
/// Every file is mode 0600 and written by write-sync-rename, so a crash leaves each file old or
/// new, never torn. ``activate(_:joinState:at:)`` writes the join state before the key: a key
/// generated during this join is already in the history, so either order of a crash still
/// leaves a state the next join can prove. `tbot keypair create` uses
/// ``createKeypair(in:suite:overwrite:now:)``; the prover uses the rest.
public struct BoundKeypairClientState: Sendable {
    public static let privateKeyFile = "id_bkp"
    public static let publicKeyFile = "id_bkp.pub"
    public static let joinStateFile = "bkp_state"
    public static let keyHistoryFile = "bkp_key_history.json"
    static let fileMode: mode_t = 0o600
    static let directoryMode: mode_t = 0o700
    /// The logger `load` warns through when none is given.
    public static let defaultLogger = Logger(label: "joinery.bound_keypair.client")

    public let directory: URL
    /// The key the bot proves with; `nil` before `tbot keypair create` or a registration.
    public private(set) var activeKey: JWSPrivateKey?
    /// The join state from the last successful join, as the cluster signed it.
    public private(set) var joinState: String?
    private(set) var history: BoundKeypairKeyHistory

    /// The active key's public half, as the token's `initial_public_key` wants it.
    public var publicKey: SSHPublicKey? { activeKey?.publicKey.ssh }

    /// Reads the state in `directory`. A missing directory or key file gives an empty state (the
    /// bot then onboards with a registration secret); a missing join state is normal before the
    /// first join; an unreadable history is only logged. A key file that exists but cannot be
    /// read is an error.
    public static func load(directory: URL, logger: Logger = defaultLogger) throws -> BoundKeypairClientState {
        try load(directory: directory, logger: logger, ignoringDamagedKey: false)
    }

    /// `load`, optionally passing over a damaged `id_bkp` (which `createKeypair` with
    /// `overwrite` is about to replace).
    private static func load(directory: URL, logger: Logger, ignoringDamagedKey: Bool) throws -> BoundKeypairClientState {
        var state = BoundKeypairClientState(directory: directory, activeKey: nil, joinState: nil, history: BoundKeypairKeyHistory())
        if let pem = try state.read(privateKeyFile) {
            do {
                state.activeKey = try JWSPrivateKey(pem: pem)
            } catch {
                guard ignoringDamagedKey else {
                    throw JoinError.badParameter("\(state.url(privateKeyFile).path) is not a PEM Ed25519 or ECDSA P-256 private key")
                }
            }
        }
        state.joinState = try state.read(joinStateFile)?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmptyValue
        do {
            if let json = try state.read(keyHistoryFile) {
                state.history = try BoundKeypairKeyHistory(json: Data(json.utf8))
            }
        } catch let error as JoinError {
            logger.warning("ignoring the bound keypair key history \(state.url(keyHistoryFile).path): \(error.message)")
        }
        if state.history.entries.isEmpty, let active = state.activeKey {
            state.history.remember(active, at: Date())
        }
        return state
    }

    /// Makes the bot's keypair before it first joins (`tbot keypair create`): a key for the
    /// cluster's `suite`, written as `id_bkp`, `id_bkp.pub` and into the history. When a key
    /// already exists and `overwrite` is false, returns it unchanged with `created == false`.
    @discardableResult
    public static func createKeypair(in directory: URL, suite: String, overwrite: Bool,
                                     now: Date = Date()) throws -> (publicKey: SSHPublicKey, created: Bool) {
        var state = try load(directory: directory, logger: defaultLogger, ignoringDamagedKey: overwrite)
        if !overwrite, let existing = state.publicKey { return (existing, false) }
        let key = try BoundKeypairKeySuite.generateKey(suite: suite)
        state.history.remember(key, at: now)
        try state.writeHistory()
        try state.writeActive(key)
        return (key.publicKey.ssh, true)
    }

    /// The private key for `publicKey`: the active key, else one from the history.
    public func privateKey(for publicKey: JWSPublicKey) -> JWSPrivateKey? {
        if let activeKey, activeKey.publicKey == publicKey { return activeKey }
        return history.key(for: publicKey)
    }

    /// Keeps a key generated during a join (a registration or a rotation) in the history right
    /// away, before the join finishes, so a crash or a lost result cannot lose it.
    public mutating func remember(generated key: JWSPrivateKey, at time: Date) throws {
        history.remember(key, at: time)
        try writeHistory()
    }

    /// After a successful join: the key the cluster bound becomes active and `joinState` is
    /// stored. The key must be the active key or one in the history.
    public mutating func activate(_ publicKey: SSHPublicKey, joinState: String, at time: Date) throws {
        guard let key = privateKey(for: try JWSPublicKey(publicKey)) else {
            throw JoinError.notFound(
                "the cluster bound key \(publicKey.fingerprint), which is not in \(directory.path); the bot cannot prove it on its next join")
        }
        if history.key(for: key.publicKey) == nil {
            history.remember(key, at: time)
            try writeHistory()
        }
        try write(Data(joinState.utf8), to: Self.joinStateFile)
        self.joinState = joinState
        if activeKey?.publicKey != key.publicKey { try writeActive(key) }
    }

    // MARK: Files

    private func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    private func read(_ name: String) throws -> String? {
        let file = url(name)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        do {
            return try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw JoinError.badParameter("cannot read \(file.path): \(error.localizedDescription)")
        }
    }

    private func write(_ data: Data, to name: String) throws {
        try AtomicFile.ensureDirectory(directory, mode: Self.directoryMode)
        try AtomicFile.write(data, to: url(name), mode: Self.fileMode)
    }

    private func writeHistory() throws {
        try write(try history.json(), to: Self.keyHistoryFile)
    }

    private mutating func writeActive(_ key: JWSPrivateKey) throws {
        try write(Data(key.pemRepresentation.utf8), to: Self.privateKeyFile)
        try write(Data((key.publicKey.ssh.authorizedKey + "\n").utf8), to: Self.publicKeyFile)
        activeKey = key
    }
}

extension String {
    fileprivate var nonEmptyValue: String? { isEmpty ? nil : self }
}
