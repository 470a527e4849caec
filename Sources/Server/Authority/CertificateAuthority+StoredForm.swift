import Crypto
import Foundation
import JoinCore
import X509

extension CertificateAuthority {
    /// The form a CA is kept in, as JSON in the key-value backend.
    ///
    /// Keys are text a person can inspect with standard tools: the SSH key as an OpenSSH
    /// private key file, the TLS key as PKCS#8 PEM, certificates as PEM, trusted SSH keys as
    /// `authorized_keys` lines. `version` lets a later format be told apart. Its description
    /// leaves the private keys out, so it can be logged or shown in a failed assertion.
    public struct StoredForm: Codable, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        public static let currentVersion = 1

        public var version: Int
        public var kind: Kind
        public var clusterName: String
        public var sshPrivateKey: String
        public var tlsPrivateKeyPEM: String
        public var tlsCertificatePEM: String
        public var additionalTrustedTLSCertificatesPEM: [String]
        public var additionalTrustedSSHKeys: [String]

        enum CodingKeys: String, CodingKey {
            case version, kind
            case clusterName = "cluster_name"
            case sshPrivateKey = "ssh_private_key"
            case tlsPrivateKeyPEM = "tls_private_key"
            case tlsCertificatePEM = "tls_certificate"
            case additionalTrustedTLSCertificatesPEM = "additional_trusted_tls_certificates"
            case additionalTrustedSSHKeys = "additional_trusted_ssh_keys"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            version = try container.decode(Int.self, forKey: .version)
            kind = try container.decode(Kind.self, forKey: .kind)
            clusterName = try container.decode(String.self, forKey: .clusterName)
            sshPrivateKey = try container.decode(String.self, forKey: .sshPrivateKey)
            tlsPrivateKeyPEM = try container.decode(String.self, forKey: .tlsPrivateKeyPEM)
            tlsCertificatePEM = try container.decode(String.self, forKey: .tlsCertificatePEM)
            additionalTrustedTLSCertificatesPEM =
                try container.decodeIfPresent([String].self, forKey: .additionalTrustedTLSCertificatesPEM) ?? []
            additionalTrustedSSHKeys = try container.decodeIfPresent([String].self, forKey: .additionalTrustedSSHKeys) ?? []
        }

        public var description: String {
            "StoredForm(version: \(version), kind: \(kind), cluster: \(clusterName), private keys: <redacted>, " +
                "additional trusted: \(additionalTrustedTLSCertificatesPEM.count) TLS, \(additionalTrustedSSHKeys.count) SSH)"
        }

        public var debugDescription: String { description }

        init(_ authority: CertificateAuthority) throws {
            version = Self.currentVersion
            kind = authority.kind
            clusterName = authority.clusterName
            sshPrivateKey = OpenSSHPrivateKeyFile.encode(try authority.sshSigningKey(), comment: "\(authority.clusterName) \(authority.kind) CA")
            tlsPrivateKeyPEM = try authority.tlsSigningKey.serializeAsPEM().pemString
            tlsCertificatePEM = try authority.tlsCertificatePEM
            additionalTrustedTLSCertificatesPEM = try authority.additionalTrustedTLSCertificates.map { try $0.serializeAsPEM().pemString }
            additionalTrustedSSHKeys = authority.additionalTrustedSSHKeys.map(\.authorizedKey)
        }
    }

    /// The form to store.
    public func storedForm() throws -> StoredForm { try StoredForm(self) }

    /// Rebuilds a CA from its stored form, checking that each key matches its certificate.
    public init(storedForm stored: StoredForm) throws {
        guard stored.version == StoredForm.currentVersion else {
            throw JoinError.badParameter(
                "stored \(stored.kind) CA has format version \(stored.version); this server understands version \(StoredForm.currentVersion)")
        }
        let what = "stored \(stored.kind) CA of cluster \(stored.clusterName)"
        let sshKey = try OpenSSHPrivateKeyFile.decode(stored.sshPrivateKey)
        let tlsKey: Certificate.PrivateKey
        let certificate: Certificate
        do {
            tlsKey = try Certificate.PrivateKey(pemEncoded: stored.tlsPrivateKeyPEM)
            certificate = try Certificate(pemEncoded: stored.tlsCertificatePEM)
        } catch {
            throw JoinError.badParameter("\(what): the TLS key or certificate is not valid PEM (\(type(of: error)))")
        }
        guard tlsKey.publicKey == certificate.publicKey else {
            throw JoinError.badParameter("\(what): the TLS private key does not match the CA certificate")
        }
        let extraCertificates: [Certificate]
        do {
            extraCertificates = try stored.additionalTrustedTLSCertificatesPEM.map { try Certificate(pemEncoded: $0) }
        } catch {
            throw JoinError.badParameter("\(what): an additional trusted TLS certificate is not valid PEM")
        }
        self.init(
            kind: stored.kind, clusterName: stored.clusterName, sshSigningKey: sshKey,
            tlsSigningKey: tlsKey, tlsCertificate: certificate,
            additionalTrustedTLSCertificates: extraCertificates,
            additionalTrustedSSHKeys: try stored.additionalTrustedSSHKeys.map { try SSHPublicKey(authorizedKey: $0) })
    }

    /// The stored form as JSON.
    public func encodedJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(try storedForm())
    }

    /// Rebuilds a CA from JSON written by ``encodedJSON()``.
    public init(json: Data) throws {
        let stored: StoredForm
        do {
            stored = try JSONDecoder().decode(StoredForm.self, from: json)
        } catch {
            throw JoinError.badParameter("stored CA is not valid JSON of the expected shape: \(error)")
        }
        try self.init(storedForm: stored)
    }
}
