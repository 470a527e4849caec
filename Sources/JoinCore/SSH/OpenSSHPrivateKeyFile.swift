import Crypto
import Foundation

/// The OpenSSH private key file format (`-----BEGIN OPENSSH PRIVATE KEY-----`,
/// `openssh-key-v1`, see OpenSSH PROTOCOL.key), unencrypted, for Ed25519 keys.
///
/// It exists so that a real `sshd` can load a host key Joinery wrote (`HostKey` in
/// `sshd_config`) next to the certificate the Auth server issued, and so that the agent can
/// read the same file back. Encrypted files and other key types are refused with an error
/// that says so.
public enum OpenSSHPrivateKeyFile {
    static let beginMarker = "-----BEGIN OPENSSH PRIVATE KEY-----"
    static let endMarker = "-----END OPENSSH PRIVATE KEY-----"
    static let magic = Array("openssh-key-v1\0".utf8)
    /// The padding block size of the unencrypted ("none" cipher) private section.
    static let blockSize = 8

    /// Encodes `key` as OpenSSH does (`ssh-keygen -t ed25519 -N ''`), with 70-column base64.
    /// The same key and comment always give the same text.
    public static func encode(_ key: Curve25519.Signing.PrivateKey, comment: String = "") -> String {
        let publicBlob = SSHPublicKey(key.publicKey).wireBytes
        // OpenSSH picks the check integers at random; they only detect a wrong passphrase, so
        // for an unencrypted file we derive them from the public key to make output repeatable.
        let checkInt = SHA256.hash(data: publicBlob).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }

        var privateSection = SSHWireWriter()
        privateSection.writeUInt32(checkInt)
        privateSection.writeUInt32(checkInt)
        privateSection.writeString(SSHPublicKey.ed25519TypeName)
        privateSection.writeString(key.publicKey.rawRepresentation)
        privateSection.writeString(key.rawRepresentation + key.publicKey.rawRepresentation)
        privateSection.writeString(comment)
        var padding: UInt8 = 1
        while privateSection.bytes.count % blockSize != 0 {
            privateSection.writeUInt8(padding)
            padding += 1
        }

        var file = SSHWireWriter()
        file.writeRaw(magic)
        file.writeString("none")
        file.writeString("none")
        file.writeString([UInt8]())
        file.writeUInt32(1)
        file.writeString(publicBlob)
        file.writeString(privateSection.bytes)

        let base64 = Data(file.bytes).base64EncodedString()
        var lines = [beginMarker]
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 70, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        lines.append(endMarker)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Decodes an unencrypted OpenSSH Ed25519 private key file.
    public static func decode(_ text: String) throws -> Curve25519.Signing.PrivateKey {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: beginMarker),
              let end = lines[begin...].firstIndex(of: endMarker) else {
            throw JoinError.badParameter(
                "not an OpenSSH private key file: expected \(beginMarker) … \(endMarker)")
        }
        guard let decoded = Data(base64Encoded: lines[(begin + 1)..<end].joined()) else {
            throw JoinError.badParameter("malformed OpenSSH private key: the body is not valid base64")
        }
        var reader = SSHWireReader(decoded, context: "OpenSSH private key")
        guard try reader.readBytes(count: magic.count, field: "magic") == magic else {
            throw reader.malformed("missing the openssh-key-v1 header")
        }
        let cipher = try reader.readText("cipher name")
        let kdf = try reader.readText("KDF name")
        _ = try reader.readString("KDF options")
        guard cipher == "none", kdf == "none" else {
            throw JoinError.badParameter(
                "the OpenSSH private key is encrypted (cipher \(cipher.prefix(32))); remove the passphrase with `ssh-keygen -p` or write a new key")
        }
        let keyCount = try reader.readUInt32("key count")
        guard keyCount == 1 else { throw reader.malformed("expected exactly one key, found \(keyCount)") }
        let publicBlob = try reader.readString("public key")
        let privateSection = try reader.readString("private section")
        try reader.expectEnd()

        let key = try decodePrivateSection(privateSection)
        guard SSHPublicKey(key.publicKey).wireBytes == publicBlob else {
            throw reader.malformed("the public key does not match the private key")
        }
        return key
    }

    private static func decodePrivateSection(_ bytes: [UInt8]) throws -> Curve25519.Signing.PrivateKey {
        var reader = SSHWireReader(bytes, context: "OpenSSH private key")
        guard bytes.count % blockSize == 0 else { throw reader.malformed("the private section is not padded to \(blockSize) bytes") }
        guard try reader.readUInt32("check integer") == (try reader.readUInt32("check integer")) else {
            throw reader.malformed("the check integers differ (wrong passphrase or corrupt file)")
        }
        let keyType = try reader.readText("key type")
        guard keyType == SSHPublicKey.ed25519TypeName else {
            throw JoinError.badParameter(
                "the OpenSSH private key is of type \(keyType.prefix(64)); only \(SSHPublicKey.ed25519TypeName) keys are supported")
        }
        let publicKey = try reader.readString("Ed25519 public key")
        let secret = try reader.readString("Ed25519 private key")
        guard publicKey.count == 32, secret.count == 64, Array(secret[32...]) == publicKey else {
            throw reader.malformed("the Ed25519 key material has the wrong length or does not match")
        }
        _ = try reader.readString("comment")
        var expected: UInt8 = 1
        while !reader.isAtEnd {
            guard try reader.readUInt8("padding") == expected else { throw reader.malformed("invalid padding") }
            expected += 1
        }
        let key: Curve25519.Signing.PrivateKey
        do {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: secret[..<32])
        } catch {
            throw reader.malformed("invalid Ed25519 seed")
        }
        guard key.publicKey.rawRepresentation == Data(publicKey) else {
            throw reader.malformed("the Ed25519 public key does not match the private key")
        }
        return key
    }
}
