import Foundation
import JoinCore
import X509

extension CertificateAuthority {
    /// Signs an end-entity TLS certificate with this CA's P-256 key: the part host and bot
    /// certificates share (fresh random serial, not a CA, authority key identifier pointing
    /// at this CA, subject key identifier of the leaf key). Callers choose the names, the
    /// validity and the usages.
    func signLeafCertificate(
        subject: DistinguishedName,
        publicKey: Certificate.PublicKey,
        notValidBefore: Date,
        notValidAfter: Date,
        extendedKeyUsage: [ExtendedKeyUsage.Usage],
        subjectAlternativeNames: [GeneralName]
    ) throws -> Certificate {
        let authorityKeyID = try tlsCertificate.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: tlsCertificate.publicKey).keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage(extendedKeyUsage)
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
            SubjectKeyIdentifier(hash: publicKey)
            if !subjectAlternativeNames.isEmpty {
                SubjectAlternativeNames(subjectAlternativeNames)
            }
        }
        do {
            return try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: publicKey,
                notValidBefore: notValidBefore,
                notValidAfter: notValidAfter,
                issuer: tlsCertificate.subject,
                subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions,
                issuerPrivateKey: tlsSigningKey)
        } catch {
            throw JoinError.internalError("the \(kind) CA could not sign a TLS certificate: \(error)")
        }
    }
}
