import Foundation
import JoinCore
import SwiftASN1
import X509

/// The certificates Azure's attested data must chain to: the five roots Azure signs under
/// (bundled, see `Resources/roots/README.md`), or — for an air-gapped cluster, a sovereign
/// cloud, or tests — every PEM certificate in `auth_service.azure.attestation_certificates_dir`
/// instead, where self-signed ones are anchors and the rest intermediates.
public struct AttestationTrust: Sendable {
    public let anchors: [Data]
    public let intermediates: [Data]
    /// Where the certificates came from, for messages.
    public let source: String

    public init(anchors: [Data], intermediates: [Data] = [], source: String) {
        self.anchors = anchors
        self.intermediates = intermediates
        self.source = source
    }

    /// The bundled roots.
    public static func bundled() throws -> AttestationTrust {
        guard let directory = Bundle.module.url(forResource: "roots", withExtension: nil) else {
            throw JoinError.internalError("the bundled Azure root certificates were not found; set auth_service.azure.attestation_certificates_dir")
        }
        var trust = try load(directory: directory)
        trust = AttestationTrust(anchors: trust.anchors, intermediates: trust.intermediates, source: "the bundled Azure roots")
        return trust
    }

    /// Every certificate in the `*.pem` files of `directory`.
    public static func load(directory: URL) throws -> AttestationTrust {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".pem") }.sorted()
        } catch {
            throw JoinError.badParameter("cannot read the Azure certificates directory \(directory.path): \(FileErrorText.reason(error))")
        }
        var anchors: [Data] = [], intermediates: [Data] = []
        for name in names {
            let path = directory.appendingPathComponent(name).path
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw JoinError.badParameter("cannot read \(path): \(FileErrorText.reason(error))")
            }
            let certificates: [Certificate]
            do {
                certificates = try PEMDocument.parseMultiple(pemString: text)
                    .filter { $0.discriminator == "CERTIFICATE" }.map { try Certificate(derEncoded: $0.derBytes) }
            } catch {
                throw JoinError.badParameter("\(path) is not PEM certificates: \(error)")
            }
            for certificate in certificates {
                var serializer = DER.Serializer()
                try serializer.serialize(certificate)
                let der = Data(serializer.serializedBytes)
                if certificate.subject == certificate.issuer { anchors.append(der) } else { intermediates.append(der) }
            }
        }
        guard !anchors.isEmpty else {
            throw JoinError.badParameter("the Azure certificates directory \(directory.path) holds no self-signed (root) certificate")
        }
        return AttestationTrust(anchors: anchors, intermediates: intermediates, source: directory.path)
    }
}
