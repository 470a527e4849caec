import Foundation
import JoinCore
import X509

/// The names a host certificate carries: SSH principals and X.509 SANs, in the order and
/// with the rules of spec §4.4 (`BuildPrincipals` and `tlsca`).
///
/// Kept apart from the issuer because the rules are the part people ask about ("why is
/// `localhost` in my certificate?") and the part tests pin down.
public enum HostCertificateNames {
    /// The DNS names every TLS-serving host certificate carries so clients can address any
    /// cluster member by a fixed name (`teleport.cluster.local`).
    public static let clusterLocalDNSNames = ["*.teleport.cluster.local", "teleport.cluster.local"]
    /// Names that let a process present its certificate to a client on the same machine.
    public static let loopbackNames = ["localhost", "127.0.0.1", "::1"]

    /// Additional principals with `0.0.0.0` replaced by the caller's address (or dropped
    /// when the address is unknown).
    public static func resolvedAdditionalPrincipals(_ principals: [String], remoteHost: String?) -> [String] {
        let caller = remoteHost.map(host(of:)).flatMap { $0.isEmpty ? nil : $0 }
        return principals.compactMap { principal in
            principal == "0.0.0.0" ? caller : principal
        }
    }

    /// SSH host certificate principals: `<hostID>.<cluster>`, `<hostID>`, `<node>.<cluster>`,
    /// `<node>`, `localhost`, `127.0.0.1`, `::1`, then the additional principals, without
    /// duplicates. An `Admin` certificate carries only `<hostID>`.
    public static func sshPrincipals(for request: HostCertificateRequest) -> [String] {
        if request.role == .admin { return [request.hostID] }
        var names = ["\(request.hostID).\(request.clusterName)", request.hostID]
        if !request.nodeName.isEmpty {
            names += ["\(request.nodeName).\(request.clusterName)", request.nodeName]
        }
        names += loopbackNames
        names += resolvedAdditionalPrincipals(request.additionalPrincipals, remoteHost: request.remoteHost)
        return deduplicated(names)
    }

    /// Whether the certificate is for a role that serves cluster endpoints (Auth, Proxy, or
    /// an Instance covering one of them): only those get server names and serverAuth.
    public static func isServing(_ request: HostCertificateRequest) -> Bool {
        SystemRole.servesClusterEndpoints(role: request.role, systemRoles: request.systemRoles)
    }

    /// X.509 SANs of a serving certificate: the additional principals, the
    /// `teleport.cluster.local` names, the requested DNS names, then the loopback names; IP
    /// literals become IP SANs. A certificate of any other role is a client certificate and
    /// carries no names at all, whatever the host asked for.
    public static func subjectAlternativeNames(for request: HostCertificateRequest) -> [GeneralName] {
        guard isServing(request) else { return [] }
        let names = resolvedAdditionalPrincipals(request.additionalPrincipals, remoteHost: request.remoteHost)
            + clusterLocalDNSNames + request.dnsNames + loopbackNames
        return deduplicated(names.filter { !$0.isEmpty }).map(generalName(for:))
    }

    /// An IP SAN for an IPv4 or IPv6 literal, a DNS SAN otherwise (``JoinCore/CertificateSubjectNames``).
    public static func generalName(for name: String) -> GeneralName {
        CertificateSubjectNames.generalName(for: name)
    }

    /// The 4 or 16 network-order bytes of an IP literal, or `nil` if `text` is not one.
    public static func ipAddressBytes(_ text: String) -> [UInt8]? {
        CertificateSubjectNames.ipAddressBytes(text)
    }

    /// The host part of `ip:port`, `[v6]:port` or a bare address.
    public static func host(of address: String) -> String {
        CertificateSubjectNames.host(of: address)
    }

    static func deduplicated(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
