import Foundation
import JoinCore

/// tctl's identity on the Auth host: written by the Auth server into `<data_dir>/admin/` on
/// every start (directory 0700, key 0600), so `tctl` run on that machine needs no flags
/// (it finds the data_dir through teleport.yaml), as with Teleport.
public enum AdminIdentityFile {
    public static func directory(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("admin")
    }

    static func write(_ identity: LocalTLSIdentity, authServer: String, dataDirectory: URL) throws {
        let folder = directory(in: dataDirectory)
        let manager = FileManager.default
        try manager.createDirectory(at: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dataDirectory.path)
        try manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
        let files: [(String, String, Int)] = [
            ("admin.key", identity.privateKeyPEM, 0o600),
            ("admin.crt", try identity.certificatePEM(), 0o600),
            ("ca.pem", try identity.caCertificatesPEM(), 0o600),
            ("auth_server", authServer + "\n", 0o600),
        ]
        for (name, content, mode) in files {
            // Atomic replace inside a 0700 directory; the mode is tightened right after.
            let url = folder.appendingPathComponent(name)
            try Data(content.utf8).write(to: url, options: .atomic)
            try manager.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        }
    }
}
