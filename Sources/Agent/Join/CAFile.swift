import Foundation
import JoinCore
import SwiftASN1
import X509

/// A `ca_path` / `--ca-path` file: PEM X.509 certificates, read with errors that name the
/// setting and the file.
public enum CAFile {
    /// The certificates in the PEM file at `path`; `field` names the setting in errors.
    public static func certificates(path: String, field: String) throws -> [Certificate] {
        let text: String
        do {
            text = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
        } catch {
            throw JoinError.badParameter("\(field): cannot read the CA file \(path): \(FileErrorText.reason(error))")
        }
        let certificates: [Certificate]
        do {
            certificates = try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
        } catch {
            throw JoinError.badParameter("\(field): \(path) is not a PEM file of X.509 certificates")
        }
        guard !certificates.isEmpty else {
            throw JoinError.badParameter("\(field): \(path) holds no certificates")
        }
        return certificates
    }
}

/// The CA pins a direct join to an Auth server checks (spec §5), gathered from every place an
/// operator can name the cluster's CA: the pins themselves, the certificates of a CA file
/// (`ca_path` / `--ca-path`), and, when neither is given, the bundle `SSL_CERT_FILE` names, as
/// OpenSSL-based tools read it. A CA file pins its certificates: the Auth server's CA must be
/// one of them. With none of these, the join refuses to start unless `--insecure` was given.
public enum AuthServerPins {
    /// The environment variable naming the CA bundle used when nothing else is configured.
    public static let bundleVariable = "SSL_CERT_FILE"

    /// The configured pins, the CA file's, or the `SSL_CERT_FILE` bundle's, as described above.
    public static func resolve(configured: [CAPin], caPath: String?, field: String,
                        environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [CAPin] {
        var pins = configured
        if let caPath {
            pins += try CAFile.certificates(path: caPath, field: field).map(CAPin.init(certificate:))
        }
        if pins.isEmpty, let bundle = environment[bundleVariable], !bundle.isEmpty {
            pins += try CAFile.certificates(path: bundle, field: bundleVariable).map(CAPin.init(certificate:))
        }
        return pins
    }

    /// `SSL_CERT_FILE=<path>` when ``resolve(configured:caPath:field:environment:)`` took its
    /// pins from that bundle (nothing else was configured), for the mismatch message.
    public static func origin(configured: [CAPin], caPath: String?,
                       environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard configured.isEmpty, caPath == nil, let bundle = environment[bundleVariable], !bundle.isEmpty else { return nil }
        return "\(bundleVariable)=\(bundle)"
    }
}
