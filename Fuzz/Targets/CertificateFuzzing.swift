import EC2Join
import Foundation
import JoinCore
import Server
import SwiftASN1
import Transport
import X509

/// X.509 certificates and keys: DER from the join conversation (the TLS public key a joining
/// process sends, the certificates the Auth server returns, a client certificate's identity),
/// PEM from `GetClusterCACert`, CA files, key files and CA pins.
enum CertificateFuzzing {
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    static let der = FuzzTarget("x509-der", maximumLength: 8192) { bytes in
        _ = try? SubjectTLSPublicKey(derEncoded: bytes)
        guard let certificate = try? Certificate(derEncoded: bytes) else { return }
        if let pin = try? CAPin(certificate: certificate) {
            _ = try? CAPin.verify([certificate], against: [pin], now: now)
            _ = pin.description
        }
        _ = try? PeerIdentity.verify(certificate, trustedCAs: [certificate], now: now)
        _ = try? PeerIdentity(subject: certificate.subject)
        _ = try? certificate.extensions.basicConstraints
        _ = try? certificate.extensions.subjectAlternativeNames
        _ = try? certificate.serializeAsPEM()
    }

    static let pem = FuzzTarget(
        "pem", maximumLength: 16 * 1024, fixtureSeeds: ["aws-iid/aws-region-certs/rsa2048"]
    ) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        for block in PEMBundle.split(text) {
            _ = try? Certificate(pemEncoded: block)
        }
        if let documents = try? PEMDocument.parseMultiple(pemString: text) {
            for document in documents { _ = try? Certificate(pemDocument: document) }
        }
        _ = try? JWSPrivateKey(pem: text)
        _ = PEMText.decode(text, label: "CERTIFICATE")
        _ = try? CAPin(parsing: text)
        // The EC2 method's region certificates are read by OpenSSL's PEM parser.
        _ = try? RegionCertificate(region: "us-west-2", pem: Data(bytes), source: "fuzz")
    }
}
