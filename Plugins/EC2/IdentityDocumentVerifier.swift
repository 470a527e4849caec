import COpenSSL
import Foundation
import JoinCore
import OpenSSLKit

/// Checks an EC2 instance identity document in the `rsa2048` form IMDS serves
/// (`/latest/dynamic/instance-identity/rsa2048`: base64 of a PKCS#7 SignedData, no PEM armour)
/// and returns the facts AWS signed — spec §6.2 steps 1 and 2.
///
/// AWS's blobs are BER with indefinite lengths and carry no certificate, which Swift's DER
/// and CMS libraries reject (LIBRARIES.md); system OpenSSL reads them. The signing certificate
/// depends on the region, and the region is inside the signed content, so the verifier
/// *peeks* the region in the still-unverified content only to choose a certificate, verifies
/// the signature with that certificate alone, and then decodes every fact from the bytes the
/// signature covers, finally checking that their region is the one whose certificate matched.
///
/// `PKCS7_NOINTERN` matters: without it OpenSSL would also look for the signer among
/// certificates embedded in the document, and with `PKCS7_NOVERIFY` (AWS's certificates are
/// self-signed, there is no chain to check) a forger could embed a certificate for its own key.
/// Only the region certificate may sign.
///
/// The value holds no mutable state; concurrent calls are safe (OpenSSL 3 objects are created
/// and freed per call, the error queue is per thread, the certificates are shared read-only).
public struct IdentityDocumentVerifier: Sendable {
    /// A genuine document is about 1.5 KB of base64; anything past this is refused unread.
    public static let maximumEncodedSize = 64 * 1024

    public let certificates: RegionCertificates

    public init(certificates: RegionCertificates) {
        self.certificates = certificates
    }

    /// Verifies `encoded` (base64, line breaks and other whitespace allowed) and returns the
    /// signed document. Every failure is AccessDenied: "unable to decode Instance Identity
    /// Document" when it is not base64 of a PKCS#7 SignedData carrying an identity document,
    /// `unsupported EC2 region` when no certificate is known for its region, and
    /// "invalid signature" when the region's certificate did not sign it.
    public func verify(_ encoded: Data) throws -> InstanceIdentityDocument {
        let (content, certificate) = try verifiedContent(ofEncoded: encoded)
        let document = try InstanceIdentityDocument(json: content)
        guard document.region == certificate.region else {
            throw EC2Errors.regionMismatch(documentRegion: document.region, certificateRegion: certificate.region)
        }
        return document
    }

    /// The exact bytes the signature covers, and the certificate that verified them.
    func verifiedContent(ofEncoded encoded: Data) throws -> (content: Data, certificate: RegionCertificate) {
        let der = try Self.decodeBase64(encoded)
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }

        let signedData = try Self.parseSignedData(der)
        defer { PKCS7_free(signedData) }

        let claimedRegion = try Self.peekRegion(signedData)
        let certificate = try certificates.certificate(for: claimedRegion)
        return (try Self.verifiedContent(of: signedData, signedBy: certificate), certificate)
    }

    // MARK: - Steps

    /// Strict base64 after removing ASCII whitespace: IMDS wraps the text in lines.
    static func decodeBase64(_ encoded: Data) throws -> Data {
        guard !encoded.isEmpty else { throw EC2Errors.undecodableDocument("the document is empty") }
        guard encoded.count <= maximumEncodedSize else {
            throw EC2Errors.undecodableDocument("the document is \(encoded.count) bytes, more than the \(maximumEncodedSize) an identity document can be")
        }
        let compact = Data(encoded.filter { byte in
            byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r") && byte != UInt8(ascii: "\t")
        })
        guard !compact.isEmpty, let der = Data(base64Encoded: compact), !der.isEmpty else {
            throw EC2Errors.undecodableDocument("not base64 (expected the rsa2048 document exactly as IMDS serves it)")
        }
        return der
    }

    /// BER/DER PKCS#7 that is SignedData and nothing after it.
    static func parseSignedData(_ der: Data) throws -> UnsafeMutablePointer<PKCS7> {
        do {
            return try SignedDataChainVerifier.parse(der)
        } catch let failure as SignedDataChainVerifier.Failure {
            throw EC2Errors.undecodableDocument(failure.reason)
        }
    }

    /// The region the unverified content claims, used only to pick the certificate.
    static func peekRegion(_ signedData: UnsafeMutablePointer<PKCS7>) throws -> String {
        var bytes: UnsafePointer<UInt8>?
        var length: Int32 = 0
        guard joinery_PKCS7_signed_content(signedData, &bytes, &length) == 1, let bytes, length > 0 else {
            throw EC2Errors.undecodableDocument("the PKCS#7 SignedData does not embed the document")
        }
        let content = Data(bytes: bytes, count: Int(length))
        struct RegionClaim: Decodable { let region: String }
        guard let claim = try? JSONDecoder().decode(RegionClaim.self, from: content) else {
            throw EC2Errors.undecodableDocument("the signed content is not an instance identity document with a region")
        }
        return claim.region
    }

    /// Runs `PKCS7_verify` with `certificate` as the only possible signer and returns the
    /// content the signature covers, byte for byte (`PKCS7_BINARY`: no CRLF translation).
    static func verifiedContent(of signedData: UnsafeMutablePointer<PKCS7>, signedBy certificate: RegionCertificate) throws -> Data {
        guard let signers = joinery_sk_X509_new_null() else { throw JoinError.internalError("OpenSSL: out of memory") }
        defer { joinery_sk_X509_pop_free(signers) }
        X509_up_ref(certificate.x509)
        guard joinery_sk_X509_push(signers, certificate.x509) > 0 else {
            X509_free(certificate.x509)
            throw JoinError.internalError("OpenSSL: out of memory")
        }
        guard let output = BIO_new(BIO_s_mem()) else { throw JoinError.internalError("OpenSSL: out of memory") }
        defer { BIO_free(output) }

        OpenSSLErrorQueue.clear()
        let flags = Int32(PKCS7_NOVERIFY | PKCS7_BINARY | PKCS7_NOINTERN)
        guard PKCS7_verify(signedData, signers, nil, nil, output, flags) == 1 else {
            let reasons = OpenSSLErrorQueue.drainReasons()
            let detail = reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"
            throw EC2Errors.notSignedByRegion(certificate.region, detail: detail)
        }

        var start: UnsafeMutablePointer<CChar>?
        let length = joinery_BIO_get_mem_data(output, &start)
        guard length > 0, let start else {
            throw EC2Errors.undecodableDocument("the signed content is empty")
        }
        return Data(bytes: start, count: length)
    }
}
