import Crypto
import Foundation
import JoinCore

/// The joiner's attestation key, as its marshaled `TPMT_PUBLIC`: the credential is made for its
/// *name* (nameAlg ‖ SHA-256 of those bytes), which the TPM computes from the key it holds, so
/// the attributes read here are the key's own. Only a key that cannot leave its TPM and only
/// signs what the TPM produces is accepted: RSA, SHA-256 name, fixedTPM, fixedParent,
/// sensitiveDataOrigin, restricted, sign, not decrypt.
struct AttestationKey: Sendable, Equatable {
    static let maximumBytes = 1024
    let publicArea: Data

    /// `nameAlg (0x000B) ‖ SHA-256(TPMT_PUBLIC)`.
    var name: Data { Data([0x00, 0x0B]) + Data(SHA256.hash(data: publicArea)) }

    enum Attribute {
        static let fixedTPM: UInt32 = 0x0000_0002
        static let fixedParent: UInt32 = 0x0000_0010
        static let sensitiveDataOrigin: UInt32 = 0x0000_0020
        static let restricted: UInt32 = 0x0001_0000
        static let decrypt: UInt32 = 0x0002_0000
        static let sign: UInt32 = 0x0004_0000
    }

    init(publicArea: Data) throws {
        let bytes = [UInt8](publicArea)
        guard bytes.count >= 8, bytes.count <= Self.maximumBytes else {
            throw JoinError.accessDenied("validating TPM: the attestation key's public area is \(bytes.count) bytes, not a TPMT_PUBLIC")
        }
        let type = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let nameAlgorithm = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        let attributes = bytes[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard type == 0x0001 else {
            throw JoinError.accessDenied("validating TPM: public key of alg 0x\(String(type, radix: 16)) not supported")
        }
        guard nameAlgorithm == 0x000B else {
            throw JoinError.accessDenied("validating TPM: the attestation key's name algorithm is not SHA-256")
        }
        guard attributes & Attribute.fixedTPM != 0 else { throw JoinError.accessDenied("validating TPM: AK is exportable") }
        let required = Attribute.fixedParent | Attribute.sensitiveDataOrigin | Attribute.restricted | Attribute.sign
        guard attributes & required == required, attributes & Attribute.decrypt == 0 else {
            throw JoinError.accessDenied("validating TPM: provided key is not limited to attestation")
        }
        self.publicArea = publicArea
    }
}
