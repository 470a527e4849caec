import Foundation
import JoinCore
import SwiftASN1
import X509
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// An IP SAN for an IPv4 or IPv6 literal, a DNS SAN otherwise.
    public static func generalName(for name: String) -> GeneralName {
        if let address = ipAddressBytes(name) { return .ipAddress(ASN1OctetString(contentBytes: address[...])) }
        return .dnsName(name)
    }

    /// The 4 or 16 network-order bytes of an IP literal, or `nil` if `text` is not one.
    public static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// The host part of `ip:port`, `[v6]:port` or a bare address.
    public static func host(of address: String) -> String {
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            return String(address[address.index(after: address.startIndex)..<close])
        }
        if address.filter({ $0 == ":" }).count == 1, let colon = address.lastIndex(of: ":") {
            return String(address[..<colon])
        }
        return address
    }

    static func deduplicated(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
