import Agent
import Foundation
import JoinCore
import Logging
import ProxyService
import Server

/// Which directories `teleport start` sweeps for the temporary files of writes a crash
/// interrupted (``JoinCore/LeftoverTemporaryFiles``), before any service writes: exactly the
/// directories its writers use under `data_dir`, and nothing below or beside them.
public enum StartupSweep {
    /// `data_dir` (identity.json, host_uuid), `keys/` (the exported identity), `admin/` (tctl's
    /// identity) and `proxy/` (the self-signed web certificate).
    public static func teleportDirectories(dataDirectory: URL) -> [URL] {
        [
            dataDirectory,
            IdentityStore(dataDirectory: dataDirectory).keysDirectory,
            AdminIdentityFile.directory(in: dataDirectory),
            dataDirectory.appendingPathComponent(ProxyWebCertificate.selfSignedFolder),
        ]
    }

    /// Sweeps ``teleportDirectories(dataDirectory:)``; returns how many files were removed.
    @discardableResult
    public static func teleport(dataDirectory: URL, logger: Logger) -> Int {
        LeftoverTemporaryFiles.sweep(teleportDirectories(dataDirectory: dataDirectory), logger: logger)
    }
}
