import Foundation
import JoinCore
import Server
import X509

/// The Admin key and certificate tctl read from an identity directory, checked before any
/// connection is made.
///
/// The running Auth server replaces both files every hour, each by write and rename; a read
/// that falls between the two renames sees a key and a certificate that do not belong
/// together, so the pair is read again until they match (a few tries, milliseconds apart).
/// An expired certificate is refused here with the message the operator needs, instead of a
/// TLS alert from the server.
struct AdminIdentityPair {
    let certificatePEM: String
    let keyPEM: String

    /// How often a mismatched pair is read again before giving up.
    static let attempts = 5

    /// Reads `admin.crt` and `admin.key` in `folder` with `read`, and checks them at `now`.
    static func load(in folder: URL, now: Date, read: (String) throws -> String) throws -> AdminIdentityPair {
        var attempt = 1
        while true {
            let certificatePEM = try read("admin.crt")
            let keyPEM = try read("admin.key")
            let certificate: Certificate
            let key: Certificate.PrivateKey
            do {
                certificate = try Certificate(pemEncoded: certificatePEM)
                key = try Certificate.PrivateKey(pemEncoded: keyPEM)
            } catch {
                throw JoinError.badParameter("\(folder.path) does not hold a readable admin.crt and admin.key: \(error)")
            }
            if key.publicKey == certificate.publicKey {
                guard now <= certificate.notValidAfter else {
                    throw JoinError.accessDenied(
                        AdminIdentityRefusal.expired(at: certificate.notValidAfter) + "; read from \(folder.path)")
                }
                return AdminIdentityPair(certificatePEM: certificatePEM, keyPEM: keyPEM)
            }
            guard attempt < attempts else {
                throw JoinError.badParameter(
                    "admin.key in \(folder.path) is not the key of admin.crt; use the directory the Auth server writes (data_dir/admin/)")
            }
            attempt += 1
            usleep(20_000)
        }
    }
}
