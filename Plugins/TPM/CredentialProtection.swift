import Crypto
import Foundation
import JoinCore
import OpenSSLKit

/// TPM2_MakeCredential done in software by the Auth server (TPM 2.0 Part 1 §24, "Credential
/// Protection"): a credential only the TPM holding the EK can recover, and only while an
/// object with the given name is loaded in it.
///
/// 1. a random seed, encrypted to the EK with RSA-OAEP-SHA-256 and the label `IDENTITY\0`;
/// 2. from the seed, KDFa gives the AES-128 key ("STORAGE", context: the AK's name) and the
///    HMAC key ("INTEGRITY");
/// 3. the credential, size-prefixed, is AES-128-CFB encrypted (zero IV), and an HMAC-SHA-256
///    over the ciphertext and the AK's name protects it.
/// The results are a `TPM2B_ID_OBJECT` and a `TPM2B_ENCRYPTED_SECRET`, size prefixes included.
enum CredentialProtection {
    struct Made: Sendable, Equatable {
        var credentialBlob: Data
        var encryptedSecret: Data
    }

    static let oaepLabel = Data("IDENTITY".utf8) + Data([0])

    static func make(credential: Data, endorsementKeyDER: Data, attestationKeyName name: Data, seed: Data) throws -> Made {
        let encryptedSeed: Data
        do {
            encryptedSeed = try TPMCredentialCiphers.rsaOAEP(seed, publicKeyDER: endorsementKeyDER, label: oaepLabel)
        } catch let failure as TPMCredentialCiphers.Failure {
            throw JoinError.accessDenied("validating TPM: generating credential activation challenge: \(failure.reason)")
        }
        let (blob, _) = try protect(credential: credential, name: name, seed: seed)
        return Made(credentialBlob: blob, encryptedSecret: uint16(encryptedSeed.count) + encryptedSeed)
    }

    /// The `TPM2B_ID_OBJECT` for `credential`, and its encIdentity (for known-answer tests).
    static func protect(credential: Data, name: Data, seed: Data) throws -> (blob: Data, encryptedIdentity: Data) {
        let symmetricKey = kdfa(key: seed, label: "STORAGE", contextU: name, contextV: Data(), bits: 128)
        let encryptedIdentity: Data
        do {
            encryptedIdentity = try TPMCredentialCiphers.aes128CFB(uint16(credential.count) + credential, key: symmetricKey,
                                                                  iv: Data(count: 16))
        } catch let failure as TPMCredentialCiphers.Failure {
            throw JoinError.internalError("tpm: \(failure.reason)")
        }
        let hmacKey = kdfa(key: seed, label: "INTEGRITY", contextU: Data(), contextV: Data(), bits: 256)
        let outerHMAC = Data(HMAC<SHA256>.authenticationCode(for: encryptedIdentity + name, using: SymmetricKey(data: hmacKey)))
        let inner = uint16(outerHMAC.count) + outerHMAC + encryptedIdentity
        return (uint16(inner.count) + inner, encryptedIdentity)
    }

    /// KDFa (SP 800-108 counter mode with HMAC-SHA-256), as the TPM computes it.
    static func kdfa(key: Data, label: String, contextU: Data, contextV: Data, bits: Int) -> Data {
        var output = Data()
        var counter: UInt32 = 1
        let symmetricKey = SymmetricKey(data: key)
        while output.count * 8 < bits {
            var input = Data()
            input += withUnsafeBytes(of: counter.bigEndian) { Data($0) }
            input += Data(label.utf8) + Data([0]) + contextU + contextV
            input += withUnsafeBytes(of: UInt32(bits).bigEndian) { Data($0) }
            output += Data(HMAC<SHA256>.authenticationCode(for: input, using: symmetricKey))
            counter += 1
        }
        return output.prefix(bits / 8)
    }

    private static func uint16(_ value: Int) -> Data {
        Data([UInt8((value >> 8) & 0xff), UInt8(value & 0xff)])
    }
}
