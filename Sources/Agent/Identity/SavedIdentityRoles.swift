import JoinCore
import X509

/// Whether the identity saved in `data_dir` covers the roles a restarted process is asked to
/// run. A process joins once and then reuses its identity; started again with a longer
/// `--roles` list, it would otherwise keep running on a certificate that does not hold the new
/// roles (and be refused by every service that checks them). Teleport re-joins per service
/// with the token; Joinery has no token to re-join with at that point, so it stops and says
/// what to do.
enum SavedIdentityRoles {
    /// Throws when `identity`'s certificate does not hold every one of `requested`.
    static func check(_ identity: Identity, covers requested: [SystemRole], file: String) throws {
        guard let certificate = try? Certificate(pemEncoded: identity.tlsCertificate),
              let claim = CertificateRoleClaim(certificate: certificate) else { return }
        let missing = requested.filter { !claim.holds($0) }
        guard !missing.isEmpty else { return }
        let asked = requested.map(\.description).joined(separator: ",").lowercased()
        throw JoinError.badParameter(
            "the identity in \(file) was issued for \(claim.roleDescription) and does not cover "
                + "\(missing.map(\.description).joined(separator: ", ")); to run --roles=\(asked), move it away and join again "
                + "with a token that allows every one of them")
    }
}
