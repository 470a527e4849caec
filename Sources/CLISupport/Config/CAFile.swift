import Foundation
import JoinCore
import SwiftASN1
import X509

/// A `ca_path` / `--ca-path` file: PEM X.509 certificates, read with errors that name the
/// setting and the file.
enum CAFile {
    static func certificates(path: String, field: String) throws -> [Certificate] {
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
