import Foundation
import JoinCore

/// What a process holds after joining: its host ID, its keys, the certificates the Auth server
/// issued and the cluster's CAs. Stored as one JSON file in `data_dir` (see ``IdentityStore``)
/// so it is always written, and read back, whole.
public struct Identity: Sendable, Codable, Equatable {
    public var hostID: String
    public var nodeName: String
    public var clusterName: String
    public var role: String
    /// The Ed25519 SSH host key, OpenSSH private key format.
    public var sshPrivateKey: String
    /// The SSH host certificate, authorized_keys format.
    public var sshCertificate: String
    /// The SSH host CA public keys, authorized_keys format.
    public var sshCAKeys: [String]
    /// The ECDSA P-256 TLS key, PEM.
    public var tlsPrivateKey: String
    public var tlsCertificate: String
    public var tlsCACertificates: [String]
    /// The Auth server this identity was obtained from (`host:port`).
    public var authServer: String

    enum CodingKeys: String, CodingKey {
        case hostID = "host_id", nodeName = "node_name", clusterName = "cluster_name", role
        case sshPrivateKey = "ssh_private_key", sshCertificate = "ssh_certificate", sshCAKeys = "ssh_ca_keys"
        case tlsPrivateKey = "tls_private_key", tlsCertificate = "tls_certificate", tlsCACertificates = "tls_ca_certificates"
        case authServer = "auth_server"
    }
}
