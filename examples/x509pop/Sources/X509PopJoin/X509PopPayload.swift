import Foundation
import SwiftASN1
import X509

/// The initial payload of an `x509pop` join: the host's certificate chain, leaf first.
///
/// Length-prefixed DER rather than JSON or PEM, so that parsing is a handful of bounded reads
/// and there is exactly one encoding of a given chain:
///
/// ```
/// version      1 byte     = 1
/// count        1 byte     1 ... 5           certificates, the leaf first
/// count times:
///   length     2 bytes    1 ... 8192        big-endian
///   der        length bytes                 one X.509 certificate, DER
/// ```
///
/// Nothing may follow the last certificate. At most 5 × 8 KiB (about 40 KiB) fits well under the
/// join pipeline's 64 KiB limit on `ClientInit.method_payload`.
public struct X509PopPayload: Sendable, Equatable {
    public static let version: UInt8 = 1
    public static let maximumCertificates = 5
    public static let maximumCertificateBytes = 8192

    /// The certificates, leaf first.
    public let certificates: [Certificate]
    /// Their DER encodings, as sent (the leaf's fingerprint is taken over these bytes).
    public let derEncodings: [[UInt8]]

    /// The leaf certificate and its DER.
    public var leaf: Certificate { certificates[0] }
    public var leafDER: [UInt8] { derEncodings[0] }

    /// A chain to send: checks the same bounds the server will, so a host finds out at start-up.
    public init(derEncodings: [[UInt8]]) throws {
        guard !derEncodings.isEmpty else { throw X509PopErrors.malformedPayload("the chain is empty") }
        guard derEncodings.count <= Self.maximumCertificates else {
            throw X509PopErrors.malformedPayload(
                "the chain has \(derEncodings.count) certificates, at most \(Self.maximumCertificates) are allowed")
        }
        var certificates: [Certificate] = []
        for (index, der) in derEncodings.enumerated() {
            certificates.append(try Self.certificate(der, index: index))
        }
        self.certificates = certificates
        self.derEncodings = derEncodings
    }

    /// Parses a payload; every failure is a ``X509PopErrors/malformedPayload(_:)``.
    public init(decoding payload: Data) throws {
        var reader = Reader(bytes: [UInt8](payload))
        guard let version = reader.byte() else { throw X509PopErrors.malformedPayload("the payload is empty") }
        guard version == Self.version else {
            throw X509PopErrors.malformedPayload("unknown payload format version \(version)")
        }
        guard let count = reader.byte() else { throw X509PopErrors.malformedPayload("the certificate count is missing") }
        guard count >= 1, Int(count) <= Self.maximumCertificates else {
            throw X509PopErrors.malformedPayload("the chain must have 1 to \(Self.maximumCertificates) certificates, not \(count)")
        }
        var encodings: [[UInt8]] = []
        for index in 0..<Int(count) {
            guard let length = reader.uint16() else {
                throw X509PopErrors.malformedPayload("certificate \(index + 1) of \(count): its length is cut short")
            }
            guard length >= 1, Int(length) <= Self.maximumCertificateBytes else {
                throw X509PopErrors.malformedPayload(
                    "certificate \(index + 1) of \(count): \(length) bytes, expected 1 to \(Self.maximumCertificateBytes)")
            }
            guard let der = reader.bytes(Int(length)) else {
                throw X509PopErrors.malformedPayload("certificate \(index + 1) of \(count): cut short")
            }
            encodings.append(der)
        }
        guard reader.isAtEnd else {
            throw X509PopErrors.malformedPayload("\(reader.remaining) unexpected bytes after the last certificate")
        }
        try self.init(derEncodings: encodings)
    }

    /// The payload bytes.
    public var encoded: Data {
        var out = Data([Self.version, UInt8(derEncodings.count)])
        for der in derEncodings {
            out.append(UInt8(der.count >> 8))
            out.append(UInt8(der.count & 0xff))
            out.append(contentsOf: der)
        }
        return out
    }

    private static func certificate(_ der: [UInt8], index: Int) throws -> Certificate {
        guard !der.isEmpty, der.count <= maximumCertificateBytes else {
            throw X509PopErrors.malformedPayload(
                "certificate \(index + 1) is \(der.count) bytes, expected 1 to \(maximumCertificateBytes)")
        }
        do {
            return try Certificate(derEncoded: der)
        } catch {
            throw X509PopErrors.malformedPayload("certificate \(index + 1) is not a DER X.509 certificate")
        }
    }

    public static func == (lhs: X509PopPayload, rhs: X509PopPayload) -> Bool { lhs.derEncodings == rhs.derEncodings }
}

/// Bounded reads over a byte array: every read returns nil instead of reading past the end.
struct Reader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { remaining == 0 }

    mutating func byte() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }
}
