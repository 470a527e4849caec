import Crypto
import Foundation

/// The one challenge of an `x509pop` join, and the message the host signs to answer it.
///
/// A fresh 32-byte nonce makes every attempt's answer different, so a captured answer is
/// worthless in another attempt. The leaf's fingerprint and the cluster's name bind the
/// signature to this certificate and this cluster: a host refuses to sign for a certificate
/// it did not send, and a signature made for one cluster proves nothing to another.
///
/// ```
/// version        1 byte     = 1
/// nonce          32 bytes   fresh random bytes from the Auth server
/// fingerprint    32 bytes   SHA-256 of the leaf certificate's DER, as sent in the payload
/// name length    2 bytes    0 ... 1024, big-endian
/// cluster name   UTF-8
/// ```
///
/// The answer is an ECDSA P-256 / SHA-256 signature, DER-encoded, over
/// `"joinery-x509pop-v1\0" || challenge bytes`. The label keeps the key's signature from
/// being mistaken for one made for any other purpose (a TLS handshake, another protocol).
public struct X509PopChallenge: Sendable, Equatable {
    public static let version: UInt8 = 1
    public static let nonceLength = 32
    public static let fingerprintLength = 32
    public static let maximumClusterNameBytes = 1024
    /// The domain-separation label that prefixes every signed message.
    public static let signatureLabel = Data("joinery-x509pop-v1\0".utf8)

    public let nonce: Data
    public let fingerprint: Data
    public let clusterName: String

    public init(nonce: Data, fingerprint: Data, clusterName: String) {
        self.nonce = nonce
        self.fingerprint = fingerprint
        self.clusterName = clusterName
    }

    /// A challenge with a fresh random nonce.
    public static func fresh(fingerprint: Data, clusterName: String) -> X509PopChallenge {
        let nonce = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return X509PopChallenge(nonce: nonce, fingerprint: fingerprint, clusterName: clusterName)
    }

    /// The bytes sent as the challenge.
    public var encoded: Data {
        // A name longer than the format allows is cut at a character boundary (cluster names
        // are short; the cut only keeps the encoding well-formed).
        var name = Data()
        for character in clusterName {
            let bytes = Data(String(character).utf8)
            guard name.count + bytes.count <= Self.maximumClusterNameBytes else { break }
            name.append(bytes)
        }
        var out = Data([Self.version])
        out.append(nonce)
        out.append(fingerprint)
        out.append(UInt8(name.count >> 8))
        out.append(UInt8(name.count & 0xff))
        out.append(name)
        return out
    }

    /// What the host signs.
    public var signedMessage: Data { Self.signatureLabel + encoded }

    /// Parses a challenge on the joining host; failures are
    /// ``X509PopErrors/malformedChallenge(_:)``.
    public init(decoding data: Data) throws {
        var reader = Reader(bytes: [UInt8](data))
        guard let version = reader.byte(), version == Self.version else {
            throw X509PopErrors.malformedChallenge("not a version \(Self.version) challenge")
        }
        guard let nonce = reader.bytes(Self.nonceLength), let fingerprint = reader.bytes(Self.fingerprintLength),
              let length = reader.uint16() else {
            throw X509PopErrors.malformedChallenge("cut short")
        }
        guard Int(length) <= Self.maximumClusterNameBytes, let name = reader.bytes(Int(length)), reader.isAtEnd,
              let clusterName = String(bytes: name, encoding: .utf8) else {
            throw X509PopErrors.malformedChallenge("a bad cluster name")
        }
        self.init(nonce: Data(nonce), fingerprint: Data(fingerprint), clusterName: clusterName)
    }
}
