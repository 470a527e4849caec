import Crypto
import Foundation
import JoinCore
import JoineryProto
import X509

/// Turns the Auth server's join result into an ``Identity``, checking that what came back is
/// for the keys this process generated before anything is stored.
enum IdentityAssembly {
    static func make(result: Joinery_V1_JoinResult, serverInit: Joinery_V1_ServerInit, parameters: JoinParameters,
                     sshKey: Curve25519.Signing.PrivateKey, tlsKey: P256.Signing.PrivateKey) throws -> Identity {
        let certificates = result.certificates
        let tlsCertificate: Certificate
        let caCertificates: [Certificate]
        do {
            tlsCertificate = try Certificate(derEncoded: Array(certificates.tlsCert))
            caCertificates = try certificates.tlsCaCerts.map { try Certificate(derEncoded: Array($0)) }
        } catch {
            throw JoinError.badParameter("the Auth server returned an unreadable TLS certificate")
        }
        guard tlsCertificate.publicKey == Certificate.PublicKey(tlsKey.publicKey) else {
            throw JoinError.badParameter("the Auth server returned a TLS certificate for another key")
        }
        let sshCertificate = try SSHCertificate(wireBytes: certificates.sshCert)
        guard sshCertificate.publicKey == SSHPublicKey(sshKey.publicKey) else {
            throw JoinError.badParameter("the Auth server returned an SSH certificate for another key")
        }
        let sshCAKeys = try certificates.sshCaKeys.map { try SSHPublicKey(wireBytes: $0).authorizedKey }
        return Identity(
            hostID: result.hostID, nodeName: parameters.nodeName, clusterName: serverInit.clusterName,
            role: parameters.role.rawValue,
            sshPrivateKey: OpenSSHPrivateKeyFile.encode(sshKey, comment: parameters.nodeName),
            sshCertificate: sshCertificate.authorizedKey, sshCAKeys: sshCAKeys,
            tlsPrivateKey: tlsKey.pemRepresentation,
            tlsCertificate: try tlsCertificate.serializeAsPEM().pemString + "\n",
            tlsCACertificates: try caCertificates.map { try $0.serializeAsPEM().pemString + "\n" },
            authServer: parameters.authServer.description)
    }
}
