import SwiftASN1
import X509

/// The cluster identity a certificate's subject claims: which cluster, and as which system
/// role (spec §4.4: O is the role, `1.3.9999.1.7` the cluster, `1.3.9999.2.11` the roles of a
/// multi-role Instance certificate).
///
/// A claim is only as good as the signature over it: read it from a certificate whose chain
/// was checked first. It exists so that both ends of a connection ask the same question —
/// *may this certificate speak as role R?* — instead of trusting any certificate the cluster's
/// CA signed: a joined Node holds a perfectly valid certificate from the same CA, and must not
/// be able to answer as the Auth server.
public struct CertificateRoleClaim: Sendable, Equatable {
    public let clusterName: String
    /// The certificate's role (its O).
    public let role: SystemRole
    /// For `Instance` certificates, the local-service roles they cover.
    public let systemRoles: [SystemRole]

    public init(clusterName: String, role: SystemRole, systemRoles: [SystemRole] = []) {
        self.clusterName = clusterName
        self.role = role
        self.systemRoles = systemRoles
    }

    /// Reads the claim, or returns `nil` when the subject names no cluster or no known role
    /// (a public web certificate, a throwaway certificate, a CA).
    public init?(subject: DistinguishedName) {
        func values(_ oid: ASN1ObjectIdentifier) -> [String] {
            subject.flatMap { $0 }.filter { $0.type == oid }.compactMap { String($0.value) }
        }
        guard let clusterName = values(CertificateIdentityOIDs.clusterName).first, !clusterName.isEmpty,
              let roleName = values(.RDNAttributeType.organizationName).first,
              let role = try? SystemRole(parsing: roleName) else { return nil }
        self.clusterName = clusterName
        self.role = role
        systemRoles = role == .instance
            ? values(CertificateIdentityOIDs.systemRole).compactMap { try? SystemRole(parsing: $0) }
            : []
    }

    public init?(certificate: Certificate) {
        self.init(subject: certificate.subject)
    }

    /// Whether the certificate may act in `wanted`: its own role, or one of the roles of an
    /// Instance certificate.
    public func holds(_ wanted: SystemRole) -> Bool {
        role == wanted || (role == .instance && systemRoles.contains(wanted))
    }

    /// `Auth`, or `Instance (Node,Proxy)`, for messages.
    public var roleDescription: String {
        role == .instance ? "Instance (\(systemRoles.joinedNames))" : role.description
    }
}
