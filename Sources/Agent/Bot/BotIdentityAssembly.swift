import Crypto
import Foundation
import JoinCore
import JoineryProto
import SwiftASN1
import X509

/// Turns certificates the Auth server issued to a bot into a ``BotIdentity``, checking that
/// they certify this bot's key and reading the instance and generation they carry.
enum BotIdentityAssembly {
    static func make(certificates: Joinery_V1_Certificates, key: P256.Signing.PrivateKey, joinMethod: String,
                     authServer: String) throws -> BotIdentity {
        let tls: Certificate
        let cas: [Certificate]
        do {
            tls = try Certificate(derEncoded: Array(certificates.tlsCert))
            cas = try certificates.tlsCaCerts.map { try Certificate(derEncoded: Array($0)) }
        } catch {
            throw JoinError.badParameter("the Auth server returned an unreadable TLS certificate")
        }
        guard tls.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw JoinError.badParameter("the Auth server returned a TLS certificate for another key")
        }
        let ssh = try SSHCertificate(wireBytes: certificates.sshCert)
        guard ssh.publicKey == SSHPublicKey(key.publicKey) else {
            throw JoinError.badParameter("the Auth server returned an SSH certificate for another key")
        }
        func value(_ oid: ASN1ObjectIdentifier) -> String? {
            tls.subject.flatMap { $0 }.first { $0.type == oid }.flatMap { String($0.value) }
        }
        guard let botName = value(CertificateIdentityOIDs.botName), let instanceID = value(CertificateIdentityOIDs.botInstanceID),
              let generation = value(CertificateIdentityOIDs.botGeneration).flatMap(UInt64.init) else {
            throw JoinError.badParameter("the Auth server returned a certificate that is not a bot certificate")
        }
        return BotIdentity(
            botName: botName, clusterName: value(CertificateIdentityOIDs.clusterName) ?? "", instanceID: instanceID, generation: generation,
            renewable: value(CertificateIdentityOIDs.botRenewable) == "true", joinMethod: joinMethod,
            privateKeyPEM: key.pemRepresentation, sshCertificate: ssh.authorizedKey,
            sshCAKeys: try certificates.sshCaKeys.map { try SSHPublicKey(wireBytes: $0).authorizedKey },
            tlsCertificatePEM: try tls.serializeAsPEM().pemString + "\n",
            tlsCACertificatesPEM: try cas.map { try $0.serializeAsPEM().pemString + "\n" },
            validBefore: tls.notValidAfter, authServer: authServer)
    }
}
