import Crypto
import Foundation

/// A public key that can verify a JWS: Ed25519 (`EdDSA`) or ECDSA P-256 (`ES256`), the two
/// key types Joinery generates for bound keypairs and its JWT authority.
public enum JWSPublicKey: Sendable, Equatable {
    case ed25519(Curve25519.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)

    /// The key of an SSH public key (bound keypairs travel as authorized_keys lines).
    public init(_ ssh: SSHPublicKey) throws {
        if let key = ssh.ed25519Key {
            self = .ed25519(key)
        } else if let key = ssh.p256Key {
            self = .p256(key)
        } else {
            throw JoinError.badParameter("unsupported key type \(ssh.typeName); use ssh-ed25519 or ecdsa-sha2-nistp256")
        }
    }

    public var ssh: SSHPublicKey {
        switch self {
        case .ed25519(let key): return SSHPublicKey(key)
        case .p256(let key): return SSHPublicKey(key)
        }
    }

    /// The JWS `alg` for this key.
    public var algorithm: String {
        switch self {
        case .ed25519: return "EdDSA"
        case .p256: return "ES256"
        }
    }

    /// PKIX (SubjectPublicKeyInfo) DER.
    public var pkixDER: Data {
        switch self {
        case .ed25519(let key): return Data([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]) + key.rawRepresentation
        case .p256(let key): return key.derRepresentation
        }
    }

    /// The key ID of spec §8.4: base64url (no padding) of SHA-256 over the PKIX DER.
    public var keyID: String { Base64URL.encode(SHA256.hash(data: pkixDER)) }

    /// True when `signature` (JWS form: raw 64 bytes for both algorithms) signs `message`.
    public func isValidSignature(_ signature: Data, for message: Data) -> Bool {
        switch self {
        case .ed25519(let key):
            return key.isValidSignature(signature, for: message)
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message)
        }
    }

    public static func == (lhs: JWSPublicKey, rhs: JWSPublicKey) -> Bool { lhs.pkixDER == rhs.pkixDER }
}

/// A private key that signs a JWS.
public enum JWSPrivateKey: Sendable {
    case ed25519(Curve25519.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)

    public var publicKey: JWSPublicKey {
        switch self {
        case .ed25519(let key): return .ed25519(key.publicKey)
        case .p256(let key): return .p256(key.publicKey)
        }
    }

    /// The JWS signature over `message` (raw `r||s` for ES256).
    public func signature(for message: Data) throws -> Data {
        switch self {
        case .ed25519(let key): return try key.signature(for: message)
        case .p256(let key): return try key.signature(for: message).rawRepresentation
        }
    }

    /// PKCS#8 PEM (`PRIVATE KEY`), as the bound-keypair key file `id_bkp` holds it.
    public var pemRepresentation: String {
        switch self {
        case .ed25519(let key):
            let der = Data([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
                + key.rawRepresentation
            return PEMText.encode(der, label: "PRIVATE KEY")
        case .p256(let key):
            return key.pemRepresentation
        }
    }

    /// Reads a PKCS#8 PEM Ed25519 or P-256 private key (or a SEC1 `EC PRIVATE KEY`).
    public init(pem: String) throws {
        if let der = PEMText.decode(pem, label: "PRIVATE KEY"), der.count == 48,
           der.prefix(16) == Data([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]) {
            self = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32)))
            return
        }
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p256(key)
            return
        }
        throw JoinError.badParameter("not a PEM Ed25519 or ECDSA P-256 private key")
    }
}

/// Minimal PEM framing for keys swift-crypto has no PEM form for (Ed25519 PKCS#8).
public enum PEMText {
    public static func encode(_ der: Data, label: String) -> String {
        let body = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    public static func decode(_ pem: String, label: String) -> Data? {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = pem.range(of: begin), let stop = pem.range(of: end, range: start.upperBound..<pem.endIndex) else {
            return nil
        }
        let body = pem[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body))
    }
}
