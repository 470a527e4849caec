import Crypto
import Foundation
import JoinCore
import SwiftASN1
import X509

/// A TPM's endorsement key as the joiner presented it: its certificate (DER, as read from NV
/// index 0x01c00002) when the TPM has one, else its public key (SubjectPublicKeyInfo DER).
/// The identifiers rules match on are Teleport's: `ek_public_hash`, the lowercase hex SHA-256 of
/// the public key's PKIX DER, and `ek_certificate_serial`, the serial as colon-separated
/// lowercase hex bytes (`04:c0:1d:b4:00:b0:c9`).
struct EndorsementKey: Sendable, Equatable {
    /// The certificate, DER (a TCG PC header removed); `nil` for a bare key.
    var certificate: Data?
    /// The public key, SubjectPublicKeyInfo DER.
    var publicKeyDER: Data
    var publicHash: String
    var certificateSerial: String?

    init(certificate raw: Data?, publicKey: Data?) throws {
        if let raw, !raw.isEmpty {
            let der = Self.strippingTCGHeader(raw)
            let parsed: Certificate
            do {
                parsed = try Certificate(derEncoded: Array(der))
            } catch {
                throw JoinError.accessDenied("validating TPM: parsing EK cert: \(error)")
            }
            var serializer = DER.Serializer()
            try serializer.serialize(parsed.publicKey)
            certificate = der
            publicKeyDER = Data(serializer.serializedBytes)
            certificateSerial = Self.serialText(parsed.serialNumber.bytes)
        } else if let publicKey, !publicKey.isEmpty {
            do {
                _ = try Certificate.PublicKey(derEncoded: Array(publicKey))
            } catch {
                throw JoinError.accessDenied("validating TPM: parsing EK key: \(error)")
            }
            certificate = nil
            publicKeyDER = publicKey
            certificateSerial = nil
        } else {
            throw JoinError.accessDenied("validating TPM: at least one of EKCert or EKKey must be provided")
        }
        publicHash = SHA256.hash(data: publicKeyDER).map { String(format: "%02x", $0) }.joined()
    }

    /// A certificate in NV may carry the TCG PC Client header — tag `10 01`, a `00`, then the
    /// certificate's length as a big-endian UINT16 — and padding; the DER inside is what matters.
    static func strippingTCGHeader(_ raw: Data) -> Data {
        let bytes = [UInt8](raw)
        var body = bytes
        if bytes.count > 5, bytes[0] == 0x10, bytes[1] == 0x01, bytes[2] == 0x00 {
            let length = Int(bytes[3]) << 8 | Int(bytes[4])
            body = Array(bytes.dropFirst(5).prefix(length))
        }
        // Trailing padding: keep exactly the outer SEQUENCE.
        if body.count > 4, body[0] == 0x30 {
            var length = 0, header = 2
            if body[1] < 0x80 {
                length = Int(body[1])
            } else {
                let count = Int(body[1] & 0x7f)
                guard count <= 3, body.count > 2 + count else { return Data(body) }
                for index in 0..<count { length = length << 8 | Int(body[2 + index]) }
                header = 2 + count
            }
            if header + length <= body.count { body = Array(body.prefix(header + length)) }
        }
        return Data(body)
    }

    /// `0x04c01db400b0c9` → `04:c0:1d:b4:00:b0:c9` (leading zero bytes dropped, as big.Int prints).
    static func serialText(_ bytes: ArraySlice<UInt8>) -> String {
        var trimmed = Array(bytes.drop { $0 == 0 })
        if trimmed.isEmpty { trimmed = [0] }
        return trimmed.map { String(format: "%02x", $0) }.joined(separator: ":")
    }
}
