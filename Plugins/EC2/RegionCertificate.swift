import COpenSSL
import Foundation
import JoinCore

/// One AWS region's RSA-2048 identity-document certificate, parsed once by OpenSSL and kept
/// for the life of the process.
///
/// The object owns an OpenSSL `X509`. It is never changed after parsing, and OpenSSL 3 makes
/// reference counting and its internal caches thread-safe, so one instance may be handed to
/// many verifications at once; each verification takes its own reference (`X509_up_ref`) for
/// the certificate stack it builds.
public final class RegionCertificate: @unchecked Sendable {
    /// The region this certificate signs documents for, e.g. `us-west-2`.
    public let region: String
    /// Where it came from: the bundled resource or an override file, for messages.
    public let source: String
    /// The certificate in DER, to compare certificates and show which one is in use.
    public let derRepresentation: [UInt8]
    let x509: OpaquePointer

    /// Parses the first PEM certificate in `pem`.
    public init(region: String, pem: Data, source: String) throws {
        ERR_clear_error()
        defer { ERR_clear_error() }
        let parsed: OpaquePointer? = pem.withUnsafeBytes { raw -> OpaquePointer? in
            guard let base = raw.baseAddress, raw.count > 0, raw.count <= Int(Int32.max) else { return nil }
            guard let bio = BIO_new_mem_buf(base, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_X509(bio, nil, nil, nil)
        }
        guard let parsed else {
            throw JoinError.badParameter("\(source): not a PEM certificate (expected \"-----BEGIN CERTIFICATE-----\")")
        }
        var der: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(parsed, &der)
        guard length > 0, let der else {
            X509_free(parsed)
            throw JoinError.badParameter("\(source): the certificate cannot be re-encoded as DER")
        }
        derRepresentation = Array(UnsafeBufferPointer(start: der, count: Int(length)))
        CRYPTO_free(der, #fileID, #line)
        self.region = region
        self.source = source
        self.x509 = parsed
    }

    deinit { X509_free(x509) }
}
