import Crypto
import Foundation
import JoinCore
import SwiftASN1
import X509

/// A self-signed certificate for a process that has no identity yet.
///
/// The Auth server asks every TLS client for a certificate (one port serves both joins and
/// mTLS calls); a process that is still joining presents this one. It proves nothing and the
/// server grants it nothing beyond the unauthenticated join service.
struct ThrowawayCertificate {
    let certificatePEM: String
    let privateKeyPEM: String

    init() throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("joinery-joining-process") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey), notValidBefore: now.addingTimeInterval(-60),
            notValidAfter: now.addingTimeInterval(3600), issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions {},
            issuerPrivateKey: .init(key))
        certificatePEM = try certificate.serializeAsPEM().pemString
        privateKeyPEM = key.pemRepresentation
    }
}
