import Foundation

/// A parsed OpenSSH certificate (`*-cert-v01@openssh.com`, OpenSSH PROTOCOL.certkeys).
///
/// The agent reads the host certificate it was issued, and tests check what the signer
/// wrote, through this one type. Parsing checks structure only; call
/// ``isSignatureValid`` or ``isSigned(by:)`` to check the CA's signature.
public struct SSHCertificate: Sendable, Hashable {
    /// Whether a certificate identifies a user or a host (the `type` field).
    public enum Kind: UInt32, Sendable, Hashable, CustomStringConvertible {
        case user = 1
        case host = 2

        public var description: String { self == .user ? "user" : "host" }
    }

    /// One critical option or extension. `value` is empty for flags such as `permit-pty`.
    public struct Option: Sendable, Hashable {
        public let name: String
        public let value: String

        public init(name: String, value: String = "") {
            self.name = name
            self.value = value
        }
    }

    /// `ssh-ed25519-cert-v01@openssh.com` or `ecdsa-sha2-nistp256-cert-v01@openssh.com`.
    public let typeName: String
    public let nonce: [UInt8]
    /// The certified key.
    public let publicKey: SSHPublicKey
    public let serial: UInt64
    public let kind: Kind
    public let keyID: String
    /// Valid principals in certificate order; empty means "any" to OpenSSH.
    public let principals: [String]
    /// Seconds since 1970.
    public let validAfter: UInt64
    /// Seconds since 1970; `UInt64.max` means forever.
    public let validBefore: UInt64
    public let criticalOptions: [Option]
    public let extensions: [Option]
    /// The CA key that signed the certificate.
    public let signatureKey: SSHPublicKey
    public let signature: SSHSignature
    /// Everything the signature covers: the blob up to, not including, the signature field.
    public let signedBytes: [UInt8]
    /// The whole certificate blob.
    public let wireBytes: [UInt8]

    /// The certificate type name for a key of type `keyTypeName`.
    public static func certificateTypeName(forKeyType keyTypeName: String) -> String {
        keyTypeName + "-cert-v01@openssh.com"
    }

    /// The certificate types this parser understands.
    public static let supportedTypeNames: Set<String> = Set(SSHPublicKey.supportedTypeNames.map(certificateTypeName(forKeyType:)))

    /// Parses a certificate blob.
    public init<Bytes: Collection>(wireBytes bytes: Bytes) throws where Bytes.Element == UInt8 {
        var reader = SSHWireReader(bytes, context: "SSH certificate")
        typeName = try reader.readText("certificate type")
        guard Self.supportedTypeNames.contains(typeName) else {
            throw reader.malformed(
                "unsupported certificate type \"\(typeName.prefix(64))\"; supported: \(Self.supportedTypeNames.sorted().joined(separator: ", "))")
        }
        let keyTypeName = String(typeName.dropLast("-cert-v01@openssh.com".count))
        nonce = try reader.readString("nonce")
        publicKey = try SSHPublicKey.readKeyBody(typeName: keyTypeName, from: &reader)
        serial = try reader.readUInt64("serial")
        let rawKind = try reader.readUInt32("certificate kind")
        guard let kind = Kind(rawValue: rawKind) else {
            throw reader.malformed("certificate kind must be 1 (user) or 2 (host), got \(rawKind)")
        }
        self.kind = kind
        keyID = try reader.readText("key ID")
        principals = try Self.readPrincipals(try reader.readString("valid principals"))
        validAfter = try reader.readUInt64("valid after")
        validBefore = try reader.readUInt64("valid before")
        criticalOptions = try Self.readOptions(try reader.readString("critical options"), what: "critical options")
        extensions = try Self.readOptions(try reader.readString("extensions"), what: "extensions")
        _ = try reader.readString("reserved")
        signatureKey = try SSHPublicKey(wireBytes: try reader.readString("signature key"))
        signedBytes = Array(reader.consumedBytes)
        signature = try SSHSignature(wireBytes: try reader.readString("signature"))
        try reader.expectEnd()
        wireBytes = Array(bytes)
    }

    /// Parses an `authorized_keys`-style line: `ssh-ed25519-cert-v01@openssh.com AAAA…`.
    public init(authorizedKey line: String) throws {
        let parsed = try AuthorizedKeyLine(parsing: line, what: "SSH certificate", isKnownType: Self.supportedTypeNames.contains)
        try self.init(wireBytes: parsed.blob)
        guard typeName == parsed.typeName else {
            throw JoinError.badParameter("SSH certificate: the line says \(parsed.typeName) but the data is \(typeName)")
        }
    }

    /// `<cert type> AAAA…`, as `ssh-keygen -s` writes `-cert.pub` files.
    public var authorizedKey: String { AuthorizedKeyLine.format(typeName: typeName, blob: wireBytes) }

    /// The value of extension `name`, if present (empty string for a flag).
    public func extensionValue(_ name: String) -> String? {
        extensions.first { $0.name == name }?.value
    }

    /// The value of critical option `name`, if present.
    public func criticalOptionValue(_ name: String) -> String? {
        criticalOptions.first { $0.name == name }?.value
    }

    /// Whether the signature verifies with the embedded ``signatureKey``. Says nothing about
    /// whether that key is trusted: see ``isSigned(by:)``.
    public var isSignatureValid: Bool { signatureKey.isValidSignature(signature, for: signedBytes) }

    /// Whether the certificate was signed by one of `caKeys` and the signature verifies.
    public func isSigned(by caKeys: [SSHPublicKey]) -> Bool {
        caKeys.contains(signatureKey) && isSignatureValid
    }

    /// Whether `date` lies within [validAfter, validBefore).
    public func isValid(at date: Date) -> Bool {
        let seconds = date.timeIntervalSince1970
        guard seconds >= 0 else { return false }
        let now = UInt64(seconds)
        return validAfter <= now && (validBefore == UInt64.max || now < validBefore)
    }

    private static func readPrincipals(_ packed: [UInt8]) throws -> [String] {
        var reader = SSHWireReader(packed, context: "SSH certificate principals")
        var principals: [String] = []
        while !reader.isAtEnd { principals.append(try reader.readText("principal")) }
        return principals
    }

    /// Reads `(string name, string data)*`; a non-empty `data` is itself a string holding the value.
    private static func readOptions(_ packed: [UInt8], what: String) throws -> [Option] {
        var reader = SSHWireReader(packed, context: "SSH certificate \(what)")
        var options: [Option] = []
        while !reader.isAtEnd {
            let name = try reader.readText("option name")
            let data = try reader.readString("data of \(name.prefix(64))")
            if data.isEmpty {
                options.append(Option(name: name))
            } else {
                var inner = SSHWireReader(data, context: "SSH certificate \(what)")
                let value = try inner.readText("value of \(name.prefix(64))")
                try inner.expectEnd()
                options.append(Option(name: name, value: value))
            }
        }
        return options
    }
}
