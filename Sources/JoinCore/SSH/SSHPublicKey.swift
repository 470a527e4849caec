import Crypto
import Foundation

/// An SSH public key of one of the two kinds Joinery issues certificates for: `ssh-ed25519`
/// and `ecdsa-sha2-nistp256`.
///
/// It converts between the three forms the join protocol meets: the SSH wire blob (sent in
/// `HostParams.public_keys.public_ssh_key` and `ssh_ca_keys`), the `authorized_keys` line
/// (files, legacy requests, `@cert-authority` entries) and the `SHA256:` fingerprint that
/// `ssh-keygen -l` prints (logs, audit events).
///
/// The key is held as validated raw bytes (swift-crypto's key types are not `Sendable` on
/// every platform); ``ed25519Key`` and ``p256Key`` give the swift-crypto form back.
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The two supported algorithms, named as SSH names them.
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case ed25519 = "ssh-ed25519"
        case ecdsaP256 = "ecdsa-sha2-nistp256"
    }

    public static let ed25519TypeName = Algorithm.ed25519.rawValue
    public static let ecdsaP256TypeName = Algorithm.ecdsaP256.rawValue
    static let nistP256CurveName = "nistp256"

    /// The key types this type understands.
    public static let supportedTypeNames: Set<String> = Set(Algorithm.allCases.map(\.rawValue))

    public let algorithm: Algorithm
    /// 32 bytes for Ed25519; the 65-byte uncompressed point for P-256.
    public let rawKey: [UInt8]

    public init(_ key: Curve25519.Signing.PublicKey) {
        algorithm = .ed25519
        rawKey = Array(key.rawRepresentation)
    }

    public init(_ key: P256.Signing.PublicKey) {
        algorithm = .ecdsaP256
        rawKey = Array(key.x963Representation)
    }

    /// The swift-crypto key, if this is an Ed25519 key.
    public var ed25519Key: Curve25519.Signing.PublicKey? {
        algorithm == .ed25519 ? try? Curve25519.Signing.PublicKey(rawRepresentation: rawKey) : nil
    }

    /// The swift-crypto key, if this is an ECDSA P-256 key.
    public var p256Key: P256.Signing.PublicKey? {
        algorithm == .ecdsaP256 ? try? P256.Signing.PublicKey(x963Representation: rawKey) : nil
    }

    /// The SSH key type name: `ssh-ed25519` or `ecdsa-sha2-nistp256`.
    public var typeName: String { algorithm.rawValue }

    /// Parses the SSH wire blob of a public key (`string type, …`); rejects trailing bytes.
    public init<Bytes: Collection>(wireBytes: Bytes) throws where Bytes.Element == UInt8 {
        var reader = SSHWireReader(wireBytes, context: "SSH public key")
        let typeName = try reader.readText("key type")
        self = try Self.readKeyBody(typeName: typeName, from: &reader)
        try reader.expectEnd()
    }

    /// Parses an `authorized_keys` line such as `ssh-ed25519 AAAA… comment`.
    public init(authorizedKey line: String) throws {
        let parsed = try AuthorizedKeyLine(parsing: line, what: "SSH public key", isKnownType: Self.supportedTypeNames.contains)
        let key = try SSHPublicKey(wireBytes: parsed.blob)
        guard key.typeName == parsed.typeName else {
            throw JoinError.badParameter(
                "SSH public key: the line says \(parsed.typeName) but the key data is \(key.typeName)")
        }
        self = key
    }

    /// Reads what follows the type name in a key blob. Certificates embed the same fields
    /// after their nonce, so ``SSHCertificate`` calls this too.
    static func readKeyBody(typeName: String, from reader: inout SSHWireReader) throws -> SSHPublicKey {
        switch typeName {
        case ed25519TypeName:
            let raw = try reader.readString("Ed25519 public key")
            guard raw.count == 32 else { throw reader.malformed("an Ed25519 public key has 32 bytes, got \(raw.count)") }
            do {
                return SSHPublicKey(try Curve25519.Signing.PublicKey(rawRepresentation: raw))
            } catch {
                throw reader.malformed("invalid Ed25519 public key")
            }
        case ecdsaP256TypeName:
            let curve = try reader.readText("ECDSA curve name")
            guard curve == nistP256CurveName else {
                throw reader.malformed("an \(ecdsaP256TypeName) key must name curve \(nistP256CurveName), got \(curve.prefix(32))")
            }
            let point = try reader.readString("ECDSA public point")
            do {
                return SSHPublicKey(try P256.Signing.PublicKey(x963Representation: point))
            } catch {
                throw reader.malformed("the ECDSA public point is not a valid uncompressed P-256 point")
            }
        default:
            throw reader.malformed(
                "unsupported key type \"\(typeName.prefix(64))\"; supported: \(supportedTypeNames.sorted().joined(separator: ", "))")
        }
    }

    /// Writes what follows the type name in a key blob.
    func writeKeyBody(to writer: inout SSHWireWriter) {
        switch algorithm {
        case .ed25519:
            writer.writeString(rawKey)
        case .ecdsaP256:
            writer.writeString(Self.nistP256CurveName)
            writer.writeString(rawKey)
        }
    }

    /// The SSH wire blob: what `authorized_keys` base64-encodes.
    public var wireBytes: [UInt8] {
        var writer = SSHWireWriter()
        writer.writeString(typeName)
        writeKeyBody(to: &writer)
        return writer.bytes
    }

    /// `ssh-ed25519 AAAA…`, without a comment.
    public var authorizedKey: String { AuthorizedKeyLine.format(typeName: typeName, blob: wireBytes) }

    /// The line with a trailing comment, as `ssh-keygen` writes `.pub` files.
    public func authorizedKey(comment: String) -> String {
        AuthorizedKeyLine.format(typeName: typeName, blob: wireBytes, comment: comment)
    }

    /// `SHA256:<base64 without padding>`, exactly as `ssh-keygen -l` prints it.
    public var fingerprint: String {
        let digest = Data(SHA256.hash(data: wireBytes)).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    public var description: String { "\(typeName) \(fingerprint)" }
}
