import COpenSSL
import Foundation

/// Checks that a certificate chains to one of a set of trust anchors at a given time, with
/// OpenSSL's verifier: any purpose; `intermediates` only as candidates for the chain; and —
/// when `partialChain` — every anchor trusted as it is, intermediate or root (a TPM token's
/// `ekcert_allowed_cas` lists the manufacturer's issuing CA, which is then enough, as in
/// Teleport). Critical extensions OpenSSL knows (a TPM EK certificate's directory-name SAN) do
/// not stop it.
public enum CertificateChainCheck {
    /// Why a chain was refused; `reason` is OpenSSL's fixed text or ours.
    public struct Failure: Error, Sendable, Equatable {
        public let reason: String
    }

    /// Verifies `leaf` (DER) against `anchors` (DER) at `time`, completing the chain from
    /// `intermediates` (DER).
    public static func verify(_ leaf: Data, anchors: [Data], intermediates: [Data] = [], partialChain: Bool, at time: Date) throws {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard let store = X509_STORE_new() else { throw Failure(reason: "out of memory") }
        defer { X509_STORE_free(store) }
        for anchor in anchors {
            let certificate = try parse(anchor)
            defer { X509_free(certificate) }
            guard X509_STORE_add_cert(store, certificate) == 1 else { throw Failure(reason: "a trust anchor could not be added") }
        }
        guard let parameters = X509_STORE_get0_param(store) else { throw Failure(reason: "out of memory") }
        X509_VERIFY_PARAM_set_time(parameters, time_t(time.timeIntervalSince1970))
        X509_VERIFY_PARAM_set_purpose(parameters, X509_PURPOSE_ANY)
        if partialChain { X509_VERIFY_PARAM_set_flags(parameters, UInt(X509_V_FLAG_PARTIAL_CHAIN)) }
        let certificate = try parse(leaf)
        defer { X509_free(certificate) }
        guard let context = X509_STORE_CTX_new() else { throw Failure(reason: "out of memory") }
        defer { X509_STORE_CTX_free(context) }
        guard let untrusted = joinery_sk_X509_new_null() else { throw Failure(reason: "out of memory") }
        defer { joinery_sk_X509_pop_free(untrusted) }
        for candidate in intermediates {
            let parsed = try parse(candidate)
            guard joinery_sk_X509_push(untrusted, parsed) > 0 else {
                X509_free(parsed)
                throw Failure(reason: "out of memory")
            }
        }
        guard X509_STORE_CTX_init(context, store, certificate, untrusted) == 1 else { throw Failure(reason: "out of memory") }
        guard X509_verify_cert(context) == 1 else {
            let code = X509_STORE_CTX_get_error(context)
            throw Failure(reason: X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "error \(code)")
        }
    }

    static func parse(_ der: Data) throws -> OpaquePointer {
        do {
            return try SignedDataChainVerifier.certificate(der)
        } catch let failure as SignedDataChainVerifier.Failure {
            throw Failure(reason: failure.reason)
        }
    }
}
