import Foundation
import JoinCore

/// What a bot holds after joining or renewing: one ECDSA P-256 key certified twice (an SSH user
/// certificate and an X.509 client certificate for `bot-<name>`), the CA certificates, and the
/// bot instance and generation its certificates carry. tbot keeps it in its storage directory
/// and writes it out for other programs.
public struct BotIdentity: Sendable, Codable, Equatable {
    public var botName: String
    public var clusterName: String
    public var instanceID: String
    public var generation: UInt64
    /// Whether the Auth server will renew these certificates without a new join.
    public var renewable: Bool
    /// The method the bot joined with, and the token (by name; never a secret value).
    public var joinMethod: String
    /// The key, PKCS#8 PEM; usable by OpenSSH and TLS alike.
    public var privateKeyPEM: String
    /// The SSH user certificate, authorized_keys format.
    public var sshCertificate: String
    /// The SSH user CA public keys, authorized_keys format.
    public var sshCAKeys: [String]
    public var tlsCertificatePEM: String
    /// The user CA's certificates (which issued the bot's) and the host CA's (to verify the
    /// Auth server), PEM.
    public var tlsCACertificatesPEM: [String]
    public var validBefore: Date
    /// The Auth server these certificates came from (`host:port`).
    public var authServer: String

    public init(botName: String, clusterName: String, instanceID: String, generation: UInt64, renewable: Bool,
                joinMethod: String, privateKeyPEM: String, sshCertificate: String, sshCAKeys: [String],
                tlsCertificatePEM: String, tlsCACertificatesPEM: [String], validBefore: Date, authServer: String) {
        self.botName = botName
        self.clusterName = clusterName
        self.instanceID = instanceID
        self.generation = generation
        self.renewable = renewable
        self.joinMethod = joinMethod
        self.privateKeyPEM = privateKeyPEM
        self.sshCertificate = sshCertificate
        self.sshCAKeys = sshCAKeys
        self.tlsCertificatePEM = tlsCertificatePEM
        self.tlsCACertificatesPEM = tlsCACertificatesPEM
        self.validBefore = validBefore
        self.authServer = authServer
    }

    enum CodingKeys: String, CodingKey {
        case botName = "bot_name", clusterName = "cluster_name", instanceID = "instance_id", generation, renewable
        case joinMethod = "join_method", privateKeyPEM = "private_key", sshCertificate = "ssh_certificate"
        case sshCAKeys = "ssh_ca_keys", tlsCertificatePEM = "tls_certificate", tlsCACertificatesPEM = "tls_ca_certificates"
        case validBefore = "valid_before", authServer = "auth_server"
    }

    /// True while the certificates are valid at `now`, with `margin` to spare.
    public func isValid(at now: Date, margin: TimeInterval = 0) -> Bool { now + margin < validBefore }
}

/// Where tbot keeps its current identity: `bot_identity.json` in the storage directory, mode
/// 0600, replaced whole (write, sync, rename) so a crash leaves the old identity or the new.
public struct BotIdentityStore: Sendable {
    public static let fileName = "bot_identity.json"
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    var file: URL { directory.appendingPathComponent(Self.fileName) }

    public func load() throws -> BotIdentity? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(BotIdentity.self, from: Data(contentsOf: file))
        } catch {
            throw JoinError.badParameter("\(file.path) is damaged (\(DecodingErrorDescription.describe(error))); remove it to join again")
        }
    }

    public func save(_ identity: BotIdentity) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(identity), to: file, mode: 0o600)
    }
}
