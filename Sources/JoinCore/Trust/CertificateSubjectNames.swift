import Foundation
import SwiftASN1
import X509
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How an address or name becomes an X.509 subject alternative name: shared by the Auth
/// server's host certificates (`HostCertificateNames`) and the Proxy Service's web certificate,
/// so both read `ip:port`, `[v6]:port` and IP literals the same way.
public enum CertificateSubjectNames {
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
}
