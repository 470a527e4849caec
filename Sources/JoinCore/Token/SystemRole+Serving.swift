import Foundation

/// Which roles serve other members of the cluster over TLS.
///
/// A certificate is an identity *and* a permission to answer as a server: whoever holds one
/// with the cluster-local names and the serverAuth usage can stand in for that server. So only
/// the roles that really serve get them — the Auth server, and the Proxy Service for its own
/// endpoints — and every client checks the peer's role, not just its CA and name
/// (``CertificateRoleClaim``). A Node, a Bot or an Admin identity is a client only.
extension SystemRole {
    /// `Auth` and `Proxy`.
    public var servesClusterEndpoints: Bool { self == .auth || self == .proxy }

    /// Whether a certificate of `role`, covering `systemRoles` when it is an Instance
    /// certificate, serves cluster endpoints.
    public static func servesClusterEndpoints(role: SystemRole, systemRoles: [SystemRole]) -> Bool {
        role.servesClusterEndpoints || (role == .instance && systemRoles.contains(where: \.servesClusterEndpoints))
    }

    /// The DNS name every cluster server answers to (`teleport.cluster.local`) and its
    /// subdomains: reserved for certificates of serving roles, and never granted on request.
    public static func isClusterLocalName(_ name: String) -> Bool {
        let lowered = name.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return lowered == clusterLocalDomain || lowered.hasSuffix("." + clusterLocalDomain)
    }

    /// `teleport.cluster.local`.
    public static let clusterLocalDomain = "teleport.cluster.local"
}
