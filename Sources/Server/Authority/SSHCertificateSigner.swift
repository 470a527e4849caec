import Crypto
import Foundation
import JoinCore

/// What goes into an OpenSSH certificate, before the CA signs it.
///
/// Options and extensions are given as a dictionary because PROTOCOL.certkeys requires them
/// sorted by name without duplicates; the signer does the sorting.
public struct SSHCertificateTemplate: Sendable {
    public var kind: SSHCertificate.Kind
    /// The key being certified.
    public var publicKey: SSHPublicKey
    public var serial: UInt64
    public var keyID: String
    public var principals: [String]
    public var validAfter: Date
    /// `nil` means forever (`valid_before` = `UInt64.max`).
    public var validBefore: Date?
    /// Name → value; an empty value is a flag.
    public var criticalOptions: [String: String]
    /// Name → value; an empty value is a flag (`permit-pty`).
    public var extensions: [String: String]

    public init(
        kind: SSHCertificate.Kind, publicKey: SSHPublicKey, serial: UInt64 = 0, keyID: String = "",
        principals: [String], validAfter: Date, validBefore: Date?,
        criticalOptions: [String: String] = [:], extensions: [String: String] = [:]
    ) {
        self.kind = kind
        self.publicKey = publicKey
        self.serial = serial
        self.keyID = keyID
        self.principals = principals
        self.validAfter = validAfter
        self.validBefore = validBefore
        self.criticalOptions = criticalOptions
        self.extensions = extensions
    }
}

/// Builds and signs OpenSSH certificates (PROTOCOL.certkeys) with an Ed25519 CA key.
///
/// swift-nio-ssh can check certificates but not make them, so the encoding is ours. The
/// result is parsed back with ``SSHCertificate`` before it is returned, so a signer bug shows
/// up here rather than in a remote `sshd`.
public struct SSHCertificateSigner: Sendable {
    /// The CA seed; swift-crypto's key type is not `Sendable` on Linux, so we keep the bytes.
    private let caKeySeed: [UInt8]

    public init(caKey: Curve25519.Signing.PrivateKey) {
        caKeySeed = Array(caKey.rawRepresentation)
    }

    /// The CA's public key: what `@cert-authority` lines and `TrustedUserCAKeys` name.
    public var caPublicKey: SSHPublicKey {
        get throws { SSHPublicKey(try caKey().publicKey) }
    }

    /// Encodes and signs `template`.
    public func sign(_ template: SSHCertificateTemplate) throws -> SSHCertificate {
        let caKey = try caKey()
        var writer = SSHWireWriter()
        writer.writeString(SSHCertificate.certificateTypeName(forKeyType: template.publicKey.typeName))
        writer.writeString(randomNonce())
        // The key blob without its leading type name: the certificate type already says it.
        var keyReader = SSHWireReader(template.publicKey.wireBytes, context: "SSH public key")
        _ = try keyReader.readString("key type")
        writer.writeRaw(try keyReader.readBytes(count: keyReader.remainingCount, field: "key body"))
        writer.writeUInt64(template.serial)
        writer.writeUInt32(template.kind.rawValue)
        writer.writeString(template.keyID)
        writer.writeString(Self.packedPrincipals(template.principals))
        writer.writeUInt64(Self.seconds(template.validAfter))
        writer.writeUInt64(template.validBefore.map(Self.seconds) ?? UInt64.max)
        writer.writeString(Self.packedOptions(template.criticalOptions))
        writer.writeString(Self.packedOptions(template.extensions))
        writer.writeString([UInt8]())  // reserved
        writer.writeString(SSHPublicKey(caKey.publicKey).wireBytes)
        let signature = try SSHSignature.sign(writer.bytes, with: caKey)
        writer.writeString(signature.wireBytes)
        return try SSHCertificate(wireBytes: writer.bytes)
    }

    private func caKey() throws -> Curve25519.Signing.PrivateKey {
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: caKeySeed)
        } catch {
            throw JoinError.internalError("the SSH CA signing key is invalid")
        }
    }

    private func randomNonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func packedPrincipals(_ principals: [String]) -> [UInt8] {
        var writer = SSHWireWriter()
        for principal in principals { writer.writeString(principal) }
        return writer.bytes
    }

    /// `(string name, string data)*` sorted by name; a non-empty value is wrapped in a string
    /// inside `data`, a flag has empty `data`.
    static func packedOptions(_ options: [String: String]) -> [UInt8] {
        var writer = SSHWireWriter()
        for name in options.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            writer.writeString(name)
            let value = options[name] ?? ""
            if value.isEmpty {
                writer.writeString([UInt8]())
            } else {
                var inner = SSHWireWriter()
                inner.writeString(value)
                writer.writeString(inner.bytes)
            }
        }
        return writer.bytes
    }

    /// Seconds since 1970, clamped to zero for dates before it.
    static func seconds(_ date: Date) -> UInt64 {
        UInt64(max(0, date.timeIntervalSince1970.rounded(.down)))
    }
}
