import COpenSSL
import Foundation

/// The two ciphers of TPM 2.0 credential protection (Part 1 §24) that swift-crypto lacks:
/// RSA-OAEP (SHA-256, MGF1-SHA-256) with a label, and AES-128 in CFB mode.
public enum TPMCredentialCiphers {
    public struct Failure: Error, Sendable, Equatable {
        public let reason: String
    }

    /// RSA-OAEP-SHA-256 of `plaintext` to the RSA key in `publicKeyDER` (SubjectPublicKeyInfo),
    /// with `label` (the TPM's is `IDENTITY\0`, the NUL included).
    public static func rsaOAEP(_ plaintext: Data, publicKeyDER: Data, label: Data) throws -> Data {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        let key: OpaquePointer? = publicKeyDER.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            return d2i_PUBKEY(nil, &cursor, raw.count)
        }
        guard let key else { throw Failure(reason: "the public key is not DER SubjectPublicKeyInfo") }
        defer { EVP_PKEY_free(key) }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else { throw Failure(reason: "the public key is not an RSA key") }
        guard let context = EVP_PKEY_CTX_new(key, nil) else { throw Failure(reason: "out of memory") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_encrypt_init(context) == 1,
              EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) == 1,
              EVP_PKEY_CTX_set_rsa_oaep_md(context, EVP_sha256()) == 1,
              EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha256()) == 1 else {
            throw Failure(reason: "RSA-OAEP cannot be set up: \(OpenSSLErrorQueue.drainReasons().joined(separator: "; "))")
        }
        // OpenSSL takes ownership of the label's memory.
        guard let labelCopy = CRYPTO_malloc(max(label.count, 1), #fileID, #line) else { throw Failure(reason: "out of memory") }
        label.withUnsafeBytes { raw in
            if let base = raw.baseAddress { labelCopy.copyMemory(from: base, byteCount: label.count) }
        }
        guard EVP_PKEY_CTX_set0_rsa_oaep_label(context, labelCopy, Int32(label.count)) == 1 else {
            CRYPTO_free(labelCopy, #fileID, #line)
            throw Failure(reason: "the OAEP label cannot be set")
        }
        var length = 0
        let input = [UInt8](plaintext)
        guard EVP_PKEY_encrypt(context, nil, &length, input, input.count) == 1 else { throw Failure(reason: "RSA-OAEP failed") }
        var output = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_encrypt(context, &output, &length, input, input.count) == 1 else {
            throw Failure(reason: "RSA-OAEP failed: \(OpenSSLErrorQueue.drainReasons().joined(separator: "; "))")
        }
        return Data(output.prefix(length))
    }

    /// AES-128-CFB (full-block feedback, as the TPM uses) of `plaintext` under `key` and `iv`.
    public static func aes128CFB(_ plaintext: Data, key: Data, iv: Data) throws -> Data {
        guard key.count == 16, iv.count == 16 else { throw Failure(reason: "AES-128-CFB takes a 16-byte key and IV") }
        guard let context = EVP_CIPHER_CTX_new() else { throw Failure(reason: "out of memory") }
        defer { EVP_CIPHER_CTX_free(context) }
        let keyBytes = [UInt8](key), ivBytes = [UInt8](iv), input = [UInt8](plaintext)
        guard EVP_EncryptInit_ex(context, EVP_aes_128_cfb128(), nil, keyBytes, ivBytes) == 1 else {
            throw Failure(reason: "AES-128-CFB cannot be set up")
        }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var written: Int32 = 0, finished: Int32 = 0
        guard EVP_EncryptUpdate(context, &output, &written, input, Int32(input.count)) == 1 else {
            throw Failure(reason: "AES-128-CFB failed")
        }
        guard output.withUnsafeMutableBufferPointer({ buffer in
            EVP_EncryptFinal_ex(context, buffer.baseAddress! + Int(written), &finished)
        }) == 1 else { throw Failure(reason: "AES-128-CFB failed") }
        return Data(output.prefix(Int(written + finished)))
    }
}
