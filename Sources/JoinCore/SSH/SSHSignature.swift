import Crypto
import Foundation

/// An SSH signature blob (RFC 4253 §6.6, RFC 8709 §6, RFC 5656 §3.1.2): `string format,
/// string signature`. Certificates end with one made by the CA key.
///
/// Signing here is Ed25519 only, because every Joinery CA signs SSH certificates with an
/// Ed25519 key; checking also accepts ECDSA P-256, so a certificate signed elsewhere can
/// still be inspected.
public struct SSHSignature: Sendable, Hashable {
    /// `ssh-ed25519` or `ecdsa-sha2-nistp256`.
    public let format: String
    /// The format-specific payload: 64 bytes for Ed25519, `mpint r, mpint s` for ECDSA.
    public let payload: [UInt8]

    public init(format: String, payload: [UInt8]) {
        self.format = format
        self.payload = payload
    }

    public init<Bytes: Collection>(wireBytes: Bytes) throws where Bytes.Element == UInt8 {
        var reader = SSHWireReader(wireBytes, context: "SSH signature")
        format = try reader.readText("signature format")
        payload = try reader.readString("signature payload")
        try reader.expectEnd()
    }

    public var wireBytes: [UInt8] {
        var writer = SSHWireWriter()
        writer.writeString(format)
        writer.writeString(payload)
        return writer.bytes
    }

    /// Signs `data` with an Ed25519 key, producing an `ssh-ed25519` signature.
    public static func sign<Bytes: DataProtocol>(_ data: Bytes, with key: Curve25519.Signing.PrivateKey) throws -> SSHSignature {
        do {
            return SSHSignature(format: SSHPublicKey.ed25519TypeName, payload: Array(try key.signature(for: data)))
        } catch {
            throw JoinError.internalError("could not produce an Ed25519 SSH signature: \(error)")
        }
    }
}

extension SSHPublicKey {
    /// Whether `signature` is a valid signature of `data` by this key. A signature whose
    /// format does not match the key type is invalid.
    public func isValidSignature<Bytes: DataProtocol>(_ signature: SSHSignature, for data: Bytes) -> Bool {
        guard signature.format == typeName else { return false }
        switch algorithm {
        case .ed25519:
            guard let key = ed25519Key else { return false }
            return signature.payload.count == 64 && key.isValidSignature(signature.payload, for: data)
        case .ecdsaP256:
            guard let key = p256Key else { return false }
            var reader = SSHWireReader(signature.payload, context: "ECDSA signature")
            guard let r = try? reader.readPositiveMPInt("r"), let s = try? reader.readPositiveMPInt("s"),
                  reader.isAtEnd, r.count <= 32, s.count <= 32,
                  let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: Self.leftPadded(r) + Self.leftPadded(s))
            else { return false }
            return key.isValidSignature(ecdsa, for: data)
        }
    }

    private static func leftPadded(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8](repeating: 0, count: 32 - bytes.count) + bytes
    }
}
