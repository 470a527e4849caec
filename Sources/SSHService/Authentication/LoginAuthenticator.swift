import Foundation
import JoinCore
import NIOSSH

/// Turns one signed public-key authentication request into an ``AuthenticatedLogin`` or a
/// ``LoginRefusal``: the certificate is read with JoinCore's parser (the same one the Auth
/// server's signer is checked against), checked by ``UserCertificateChecks``, the Unix account
/// looked up and matched against what this process can become, and only then is the policy
/// asked. NIOSSH has already verified the client's signature over the session ID with the
/// certified key before this runs.
struct LoginAuthenticator: Sendable {
    var certificateChecks: UserCertificateChecks
    var identityRule: SessionIdentityRule
    var policy: any SSHAccessPolicy
    var now: @Sendable () -> Date
    var lookUpAccount: @Sendable (String) -> UnixAccount? = { UnixAccount.lookUp($0) }

    func authenticate(login: String, key: NIOSSHPublicKey, clientAddress: String) async -> Result<AuthenticatedLogin, LoginRefusal> {
        do {
            let certificate = try Self.certificate(in: key)
            try certificateChecks.check(certificate, login: login, at: now())
            let user = certificate.keyID
            let roles: [String]
            do {
                roles = try TeleportRolesExtension.roles(inExtensionValue: certificate.extensionValue(TeleportRolesExtension.name))
            } catch {
                throw LoginRefusal(error.reason, user: UntrustedString.sanitizeVerified(user))
            }
            guard let account = lookUpAccount(login) else {
                throw LoginRefusal("login \(UntrustedString.sanitize(login)) does not exist on this node", user: UntrustedString.sanitizeVerified(user))
            }
            do {
                try identityRule.check(account)
            } catch {
                throw LoginRefusal(error.reason, user: UntrustedString.sanitizeVerified(user))
            }
            let request = SSHLoginRequest(
                user: user, login: login, roles: roles, principals: certificate.principals,
                certificateSerial: certificate.serial,
                certificateValidBefore: certificate.validBefore == .max
                    ? .distantFuture : Date(timeIntervalSince1970: TimeInterval(certificate.validBefore)),
                clientAddress: clientAddress)
            switch await policy.decide(request) {
            case .allow:
                return .success(AuthenticatedLogin(request: request, account: account))
            case .deny(let reason):
                throw LoginRefusal(reason, user: UntrustedString.sanitizeVerified(user))
            }
        } catch let refusal as LoginRefusal {
            return .failure(refusal)
        } catch {
            return .failure(LoginRefusal("internal error: \(error)"))
        }
    }

    /// The JoinCore view of the certified key NIOSSH parsed. NIOSSH re-encodes certificates
    /// canonically (options sorted), and the client's signature it verified covered exactly
    /// those bytes, so this is the blob the client presented.
    private static func certificate(in key: NIOSSHPublicKey) throws(LoginRefusal) -> SSHCertificate {
        guard NIOSSHCertifiedPublicKey(key) != nil else {
            throw LoginRefusal("the client offered a plain public key, not a certificate signed by the cluster's user CA")
        }
        do {
            return try SSHCertificate(authorizedKey: String(openSSHPublicKey: key))
        } catch {
            throw LoginRefusal("the certificate could not be read: \(error)")
        }
    }
}
