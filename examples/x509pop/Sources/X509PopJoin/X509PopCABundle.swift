import Foundation
import JoinCore
import SwiftASN1
import X509

/// The CA certificates host certificates must chain to, read once from `ca_bundle_path` when
/// the Auth server makes the method. Every block of the file must be a `CERTIFICATE`: a stray
/// private key or a truncated block is an operator's mistake worth stopping for.
public struct X509PopCABundle: Sendable {
    public static let maximumCertificates = 100
    static let setting = "\(X509PopServerSettings.place).ca_bundle_path"

    public let certificates: [Certificate]

    public init(certificates: [Certificate]) {
        self.certificates = certificates
    }

    public init(contentsOf path: String) throws {
        let documents = try PEMFile.documents(at: path, setting: Self.setting)
        guard documents.count <= Self.maximumCertificates else {
            throw X509PopErrors.file(path, setting: Self.setting,
                                     "holds \(documents.count) PEM blocks; at most \(Self.maximumCertificates) CA certificates are allowed")
        }
        certificates = try documents.enumerated().map { index, document in
            guard document.discriminator == "CERTIFICATE" else {
                throw X509PopErrors.file(path, setting: Self.setting,
                                         "block \(index + 1) is a \(PEMFile.label(of: document)), not a CERTIFICATE; "
                                            + "the bundle must hold only CA certificates")
            }
            do {
                return try Certificate(derEncoded: document.derBytes)
            } catch {
                throw X509PopErrors.file(path, setting: Self.setting, "block \(index + 1) is not a valid X.509 certificate")
            }
        }
    }

    /// The bundle as a trust store for `Verifier`.
    var store: CertificateStore { CertificateStore(certificates) }
}
