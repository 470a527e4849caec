import Foundation
import JoinCore

/// tctl's identity on the Auth host: written by the Auth server into `<data_dir>/admin/` when
/// it starts and again each time it renews it (directory 0700, files 0600), so `tctl` run on
/// that machine needs no flags (it finds the data_dir through teleport.yaml), as with Teleport.
///
/// The certificate is short-lived and tied to the server's current run (see
/// ``AdminIdentityKeeper``). Each file is replaced whole by write and rename; the key is
/// written before the certificate, and tctl checks that the pair it read matches (reading
/// again if it caught a renewal between the two files), so it never uses a mismatched pair.
public enum AdminIdentityFile {
    public static func directory(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("admin")
    }

    static func write(_ identity: LocalTLSIdentity, authServer: String, dataDirectory: URL) throws {
        let folder = directory(in: dataDirectory)
        try AtomicFile.ensureDirectory(dataDirectory, mode: 0o700)
        try AtomicFile.ensureDirectory(folder, mode: 0o700)
        let files: [(String, String)] = [
            ("ca.pem", try identity.caCertificatesPEM()),
            ("auth_server", authServer + "\n"),
            ("admin.key", identity.privateKeyPEM),
            ("admin.crt", try identity.certificatePEM()),
        ]
        for (name, content) in files {
            try AtomicFile.write(Data(content.utf8), to: folder.appendingPathComponent(name), mode: 0o600)
        }
    }
}
