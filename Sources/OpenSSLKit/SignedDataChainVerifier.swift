import COpenSSL
import Foundation

/// Verifies a PKCS#7 SignedData whose signer certificate travels inside it (as Azure's
/// attested data does) and must chain to trust anchors the caller chose: the signature over
/// the embedded content, the signer's chain to an anchor at a given time, and nothing else
/// trusted from the document. Returns the signed content, byte for byte, and the signer.
///
/// System OpenSSL does the work (`PKCS7_verify` with an `X509_STORE` of the anchors): Swift's
/// CMS support does not take BER and the documents are PKCS#7. Certificates embedded in the
/// document or given as intermediates are only candidates for the chain; only anchors are
/// trusted. Any certificate purpose is accepted (Azure's signing certificate is a TLS one).
///
/// The value holds DER only; every call parses what it needs and frees it, so concurrent calls
/// are safe.
public struct SignedDataChainVerifier: Sendable {
    /// Trust anchors, DER.
    public let anchors: [Data]
    /// Certificates that may complete a chain (an issuing CA the document does not embed), DER.
    public let intermediates: [Data]

    public init(anchors: [Data], intermediates: [Data] = []) {
        self.anchors = anchors
        self.intermediates = intermediates
    }

    /// What a verified SignedData says and who signed it.
    public struct Verified: Sendable {
        public let content: Data
        /// The signer certificate, DER.
        public let signer: Data
    }

    /// Why a document was refused; `reason` is safe to show (OpenSSL's fixed strings and ours).
    public struct Failure: Error, Sendable, Equatable {
        public let reason: String
    }

    /// Verifies `der` at `time` with the extra candidate intermediates `more` (DER).
    public func verify(_ der: Data, at time: Date, moreIntermediates more: [Data] = []) throws -> Verified {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        let signedData = try Self.parse(der)
        defer { PKCS7_free(signedData) }

        // The signature, with the signer certificate the document embeds…
        guard let output = BIO_new(BIO_s_mem()) else { throw Failure(reason: "out of memory") }
        defer { BIO_free(output) }
        guard PKCS7_verify(signedData, nil, nil, nil, output, Int32(PKCS7_NOVERIFY | PKCS7_BINARY)) == 1 else {
            let reasons = OpenSSLErrorQueue.drainReasons()
            throw Failure(reason: reasons.isEmpty ? "the signature does not verify" : reasons.joined(separator: "; "))
        }
        var start: UnsafeMutablePointer<CChar>?
        let length = joinery_BIO_get_mem_data(output, &start)
        guard length > 0, let start else { throw Failure(reason: "the signed content is empty") }
        let content = Data(bytes: start, count: length)
        guard let signers = PKCS7_get0_signers(signedData, nil, 0) else {
            throw Failure(reason: "the signer certificate cannot be found")
        }
        defer { joinery_sk_X509_free(signers) }
        guard joinery_sk_X509_num(signers) == 1, let signer = joinery_sk_X509_value(signers, 0) else {
            throw Failure(reason: "the document must have exactly one signer")
        }

        // …and that certificate's chain to an anchor. (PKCS7_verify would build the chain from
        // the embedded certificates only; the issuing CA is usually not among them.)
        let signerDER = try Self.der(of: signer)
        do {
            try CertificateChainCheck.verify(signerDER, anchors: anchors,
                                             intermediates: try Self.embeddedCertificates(der) + intermediates + more,
                                             partialChain: false, at: time)
        } catch let failure as CertificateChainCheck.Failure {
            throw Failure(reason: "the signer's certificate does not chain to a trusted root: \(failure.reason)")
        }
        return Verified(content: content, signer: signerDER)
    }

    /// The certificates `der` embeds, DER, read without verifying anything (to find where a
    /// missing issuer could be fetched from before verifying).
    public static func embeddedCertificates(_ der: Data) throws -> [Data] {
        let signedData = try parse(der)
        defer { PKCS7_free(signedData) }
        let stack = joinery_PKCS7_embedded_certificates(signedData)
        return try (0..<joinery_sk_X509_num(stack)).compactMap { index in
            try joinery_sk_X509_value(stack, index).map { try Self.der(of: $0) }
        }
    }

    // MARK: OpenSSL plumbing

    /// DER (or BER) PKCS#7 that is SignedData and nothing after it; the caller frees it with
    /// `PKCS7_free`.
    public static func parse(_ der: Data) throws -> UnsafeMutablePointer<PKCS7> {
        let parsed: UnsafeMutablePointer<PKCS7>? = der.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let object = d2i_PKCS7(nil, &cursor, raw.count) else { return nil }
            guard let cursor, cursor - base == raw.count else {
                PKCS7_free(object)
                return nil
            }
            return object
        }
        guard let parsed else {
            OpenSSLErrorQueue.clear()
            throw Failure(reason: "not a PKCS#7 structure")
        }
        guard joinery_PKCS7_is_signed_data(parsed) == 1 else {
            PKCS7_free(parsed)
            throw Failure(reason: "the PKCS#7 structure is not SignedData")
        }
        return parsed
    }

    package static func certificate(_ der: Data) throws -> OpaquePointer {
        let parsed: OpaquePointer? = der.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            return d2i_X509(nil, &cursor, raw.count)
        }
        guard let parsed else {
            OpenSSLErrorQueue.clear()
            throw Failure(reason: "a certificate is not DER X.509")
        }
        return parsed
    }

    static func der(of certificate: OpaquePointer) throws -> Data {
        var buffer: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(certificate, &buffer)
        guard length > 0, let buffer else { throw Failure(reason: "a certificate cannot be encoded") }
        defer { CRYPTO_free(buffer, #fileID, #line) }
        return Data(bytes: buffer, count: Int(length))
    }
}
