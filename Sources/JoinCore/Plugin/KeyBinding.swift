import Crypto
import Foundation

/// A digest of the public keys a join asks the Auth server to certify, so a live proof can be
/// bound to them.
///
/// A method whose proof is made fresh for each join (a signature over a server challenge)
/// covers this value, and its server half checks it against the binding of the `ClientInit`
/// the pipeline received. Anything in the middle — a Proxy Service, a relay, a compromised
/// forwarder — that replaces the keys in `ClientInit` with its own then holds a proof for
/// other keys, and the join fails: it cannot get the client's proof certified for keys it
/// controls.
///
/// Methods whose proof is not made for this join cannot be bound: `token` and `static` (the
/// secret is a bearer proof) and `ec2` (AWS signs the instance identity document without a
/// nonce from us).
///
/// The digest is SHA-256 over a domain-separation label followed by each key as a 4-byte
/// big-endian length and its bytes — the SSH public key in SSH wire form, then the TLS key's
/// DER SubjectPublicKeyInfo — so no two different key pairs can encode to the same input.
public struct KeyBinding: Sendable, Hashable, CustomStringConvertible {
    /// Separates this digest from every other SHA-256 the cluster computes; bump the version
    /// if the encoding ever changes.
    public static let label = "joinery key binding v1"
    /// The digest's length in bytes.
    public static let byteCount = 32

    /// The 32 digest bytes.
    public let bytes: Data

    /// Binds the SSH public key in wire form (`ClientInit.*_params.public_keys.public_ssh_key`)
    /// and the TLS public key's DER SubjectPublicKeyInfo (`public_tls_key`).
    public init(sshPublicKey: Data, tlsPublicKey: Data) {
        var hasher = SHA256()
        hasher.update(data: Data(Self.label.utf8))
        for part in [sshPublicKey, tlsPublicKey] {
            let length = UInt32(clamping: part.count)
            hasher.update(data: Data([UInt8(truncatingIfNeeded: length >> 24), UInt8(truncatingIfNeeded: length >> 16),
                                      UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]))
            hasher.update(data: part)
        }
        bytes = Data(hasher.finalize())
    }

    /// Reads a binding carried as raw bytes (the plugin protocol); `nil` unless exactly 32 bytes.
    public init?(bytes: Data) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// Reads a binding carried as text (``text``); `nil` for anything else.
    public init?(text: String) {
        guard text.utf8.count == 43, let decoded = Base64URL.decode(Substring(text)) else { return nil }
        self.init(bytes: decoded)
    }

    /// Base64url without padding (43 characters): safe in an HTTP header and a JSON string.
    public var text: String { Base64URL.encode(bytes) }

    /// True when `other` is the same binding; compared in constant time.
    public func matches(_ other: KeyBinding) -> Bool {
        ConstantTime.equals(Array(bytes), Array(other.bytes))
    }

    public var description: String { text }
}
