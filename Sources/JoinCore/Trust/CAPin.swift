import Crypto
import Foundation
import SwiftASN1
import X509

/// A CA pin (spec §5): `sha256:` + the lowercase hex SHA-256 of a CA certificate's DER
/// SubjectPublicKeyInfo. A joining process that is given pins trusts the Auth server only if
/// every CA certificate the server presents matches one of them.
public struct CAPin: Sendable, Equatable, CustomStringConvertible {
    public let digest: [UInt8]

    public var description: String { "sha256:" + digest.map { String(format: "%02x", $0) }.joined() }

    /// Parses `sha256:<hex>` with Teleport's error messages.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw JoinError.badParameter("invalid format for certificate pin, expected algorithm:pin")
        }
        guard parts[0] == "sha256" else {
            throw JoinError.badParameter("sha256 only supported hashing algorithm for certificate pin")
        }
        let hex = Array(parts[1].utf8)
        guard hex.count == 64, let bytes = CAPin.decodeHex(hex) else {
            throw JoinError.badParameter("invalid certificate pin \"\(text)\": expected sha256: followed by 64 hexadecimal digits")
        }
        self.digest = bytes
    }

    /// The pin of `certificate`.
    public init(certificate: Certificate) throws {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate.publicKey)
        self.digest = Array(SHA256.hash(data: serializer.serializedBytes))
    }

    /// Checks that every CA certificate matches some pin (constant-time comparison) and is valid
    /// at `now`. Throws a `badParameter` error that tells the operator what to check.
    public static func verify(_ certificates: [Certificate], against pins: [CAPin], now: Date) throws {
        guard !certificates.isEmpty else {
            throw JoinError.badParameter("the Auth server returned no CA certificates to check the CA pin against")
        }
        for certificate in certificates {
            let pin = try CAPin(certificate: certificate)
            let matched = pins.reduce(false) { found, candidate in
                ConstantTime.equals(candidate.digest, pin.digest) || found
            }
            guard matched else {
                throw JoinError.badParameter(
                    "cluster CA pin \(pin) does not match any provided pin; the CA may have been rotated " +
                    "or a new HSM/KMS key added. Run `tctl status` on the Auth server to get the current CA pin")
            }
            guard certificate.notValidBefore <= now, now <= certificate.notValidAfter else {
                throw JoinError.badParameter("the cluster CA certificate with pin \(pin) is not valid at the current time")
            }
        }
    }

    private static func decodeHex(_ hex: [UInt8]) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        var index = 0
        while index + 1 < hex.count {
            guard let high = nibble(hex[index]), let low = nibble(hex[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
