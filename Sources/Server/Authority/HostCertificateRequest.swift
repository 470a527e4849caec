import Foundation
import JoinCore

/// What the Auth server knows about a host when it issues the host's certificates (spec §4.4):
/// the identity the join established plus the keys and names the host asked for.
public struct HostCertificateRequest: Sendable {
    /// The host UUID (or `<account>-<instance>` for EC2) the server settled on.
    public var hostID: String
    /// `teleport.nodename`; may be empty.
    public var nodeName: String
    public var clusterName: String
    /// The role the certificate is for (`Instance`, `Node`, …, `Admin`).
    public var role: SystemRole
    /// For multi-role `Instance` certificates, the local-service roles it covers.
    public var systemRoles: [SystemRole]
    public var sshPublicKey: SSHPublicKey
    /// The key the X.509 certificate is for: ECDSA P-256 or Ed25519, already parsed.
    public var tlsPublicKey: SubjectTLSPublicKey
    /// Extra SSH principals and TLS SANs; `0.0.0.0` stands for "the address I connect from".
    public var additionalPrincipals: [String]
    /// Extra TLS DNS SANs.
    public var dnsNames: [String]
    /// The caller's address as the server saw it (`ip`, `ip:port` or `[v6]:port`), used to
    /// replace `0.0.0.0`; `nil` when unknown, in which case `0.0.0.0` is dropped.
    public var remoteHost: String?
    public var now: Date

    public init(
        hostID: String, nodeName: String, clusterName: String, role: SystemRole, systemRoles: [SystemRole] = [],
        sshPublicKey: SSHPublicKey, tlsPublicKey: SubjectTLSPublicKey, additionalPrincipals: [String] = [],
        dnsNames: [String] = [], remoteHost: String? = nil, now: Date
    ) {
        self.hostID = hostID
        self.nodeName = nodeName
        self.clusterName = clusterName
        self.role = role
        self.systemRoles = systemRoles
        self.sshPublicKey = sshPublicKey
        self.tlsPublicKey = tlsPublicKey
        self.additionalPrincipals = additionalPrincipals
        self.dnsNames = dnsNames
        self.remoteHost = remoteHost
        self.now = now
    }
}
