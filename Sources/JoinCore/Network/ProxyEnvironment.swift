import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HTTPS_PROXY, HTTP_PROXY and NO_PROXY as Teleport reads them.
///
/// Teleport tunnels its outbound connections through an HTTP CONNECT proxy named by these
/// variables (`/etc/default/teleport`), and NO_PROXY keeps chosen hosts, networks and
/// `host:port` endpoints direct. The variables are read once into this value, and every
/// connection asks ``proxy(forHost:port:secure:)``; that keeps the decision a pure function
/// that tests can drive without touching the process environment.
///
/// Two departures from Go's `httpproxy`: a proxy named `localhost` is refused, and a
/// destination on a loopback address is not exempted automatically — NO_PROXY decides — so
/// that a proxy on 127.0.0.1 can be tested for real. The EC2 instance metadata service is
/// always reached directly: it answers only on the instance's own link.
public struct ProxyEnvironment: Sendable, Equatable {
    /// No proxy at all.
    public static let none = ProxyEnvironment(httpsProxy: nil, httpProxy: nil, noProxy: NoProxyList())

    public private(set) var httpsProxy: OutboundProxy?
    public private(set) var httpProxy: OutboundProxy?
    let noProxy: NoProxyList

    init(httpsProxy: OutboundProxy?, httpProxy: OutboundProxy?, noProxy: NoProxyList) {
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.noProxy = noProxy
    }

    /// Reads the variables; throws JoinError.badParameter with a clear message naming the
    /// variable (never its credentials) when a value is malformed or names localhost.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func lookup(_ name: String) -> (variable: String, value: String)? {
            for variable in [name.uppercased(), name.lowercased()] {
                if let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
                    return (variable, value)
                }
            }
            return nil
        }
        let https = try lookup("HTTPS_PROXY").map { try OutboundProxy(parsing: $0.value, variable: $0.variable) }
        let http = try lookup("HTTP_PROXY").map { try OutboundProxy(parsing: $0.value, variable: $0.variable) }
        let noProxy = try lookup("NO_PROXY").map { try NoProxyList(parsing: $0.value, variable: $0.variable) } ?? NoProxyList()
        self.init(httpsProxy: https, httpProxy: http, noProxy: noProxy)
    }

    /// The proxy for a connection to host:port; `secure` selects HTTPS_PROXY (TLS destinations,
    /// which is every Joinery connection to the cluster) or HTTP_PROXY (plain http:// URLs).
    /// nil = connect directly (no proxy set, or NO_PROXY matches, or the destination is the
    /// EC2 instance metadata service 169.254.169.254 / fd00:ec2::254, which no proxy can reach).
    public func proxy(forHost host: String, port: Int, secure: Bool) -> OutboundProxy? {
        guard let proxy = secure ? httpsProxy : httpProxy else { return nil }
        let destination = Destination(host: host, port: port)
        if let address = destination.address, Self.instanceMetadataAddresses.contains(address) { return nil }
        return noProxy.matches(destination) ? nil : proxy
    }

    /// 169.254.169.254 and fd00:ec2::254.
    static let instanceMetadataAddresses: [[UInt8]] = ["169.254.169.254", "fd00:ec2::254"].compactMap(IPAddressBytes.parse)
}

/// A destination as NO_PROXY sees it: a lower-case name without brackets or final dot, and its
/// address when the name is an IP literal.
struct Destination {
    let name: String
    let address: [UInt8]?
    let port: Int

    init(host: String, port: Int) {
        var name = host.trimmingCharacters(in: .whitespaces).lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix(".") { name = String(name.dropLast()) }
        self.name = name
        address = IPAddressBytes.parse(name).map(IPAddressBytes.unmapped)
        self.port = port
    }
}

/// The entries of NO_PROXY: `*`, IP addresses, CIDR blocks and host names, each optionally
/// limited to one port.
struct NoProxyList: Sendable, Equatable {
    enum Pattern: Sendable, Equatable {
        /// An address and prefix length (32 or 128 for a single address).
        case network(address: [UInt8], prefixLength: Int)
        /// A host name: itself and every name under it.
        case domain(String)
    }

    struct Entry: Sendable, Equatable {
        let pattern: Pattern
        let port: Int?
    }

    var matchesEverything = false
    var entries: [Entry] = []

    init() {}

    /// Parses a comma-separated NO_PROXY value.
    ///
    /// - Throws: `JoinError.badParameter` naming `variable` and the entry that is neither an
    ///   address, a CIDR block nor a host name, or whose port is not a number.
    init(parsing value: String, variable: String) throws {
        for raw in value.split(separator: ",") {
            let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if text.isEmpty { continue }
            if text == "*" {
                matchesEverything = true
                continue
            }
            entries.append(try Self.entry(text, variable: variable))
        }
    }

    func matches(_ destination: Destination) -> Bool {
        if matchesEverything { return true }
        return entries.contains { entry in
            if let port = entry.port, port != destination.port { return false }
            switch entry.pattern {
            case .network(let network, let prefixLength):
                guard let address = destination.address else { return false }
                return IPAddressBytes.contains(network: network, prefixLength: prefixLength, address: address)
            case .domain(let domain):
                guard destination.address == nil else { return false }
                return destination.name == domain || destination.name.hasSuffix("." + domain)
            }
        }
    }

    static func entry(_ text: String, variable: String) throws -> Entry {
        func invalid(_ why: String) -> JoinError {
            .badParameter("\(variable): entry \"\(text.prefix(100))\" \(why); entries are *, an IP address (10.1.2.3), a CIDR block (10.0.0.0/8, fd00::/8), or a host name (example.com, .example.com), each optionally with :port")
        }
        func port(_ digits: Substring) throws -> Int {
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let number = Int(digits), (1...65535).contains(number) else {
                throw invalid("has an invalid port \"\(digits.prefix(20))\" (a number from 1 to 65535)")
            }
            return number
        }

        // CIDR: address "/" length [":" port] — the port, if any, follows the length.
        if let slash = text.firstIndex(of: "/") {
            var address = Substring(text[..<slash])
            var length = text[text.index(after: slash)...]
            var entryPort: Int?
            if let colon = length.firstIndex(of: ":") {
                entryPort = try port(length[length.index(after: colon)...])
                length = length[..<colon]
            }
            if address.hasPrefix("["), address.hasSuffix("]") { address = address.dropFirst().dropLast() }
            guard let bytes = IPAddressBytes.parse(String(address)) else { throw invalid("is not a CIDR block: \"\(address.prefix(60))\" is not an IP address") }
            guard length.allSatisfy({ $0.isASCII && $0.isNumber }), let bits = Int(length), (0...bytes.count * 8).contains(bits) else {
                throw invalid("is not a CIDR block: the prefix length must be a number from 0 to \(bytes.count * 8)")
            }
            let unmapped = IPAddressBytes.unmapped(bytes)
            let adjusted = unmapped.count < bytes.count ? max(0, bits - 96) : bits
            return Entry(pattern: .network(address: unmapped, prefixLength: adjusted), port: entryPort)
        }

        // Host and port: "[v6]:port", "[v6]", a bare IPv6 address (two or more colons), or "host[:port]".
        var host: Substring
        var entryPort: Int?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("opens \"[\" without closing it") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                entryPort = try port(after.dropFirst())
            } else if !after.isEmpty {
                throw invalid("has \"\(after.prefix(20))\" after the IPv6 address")
            }
            guard IPAddressBytes.parse(String(host))?.count == 16 else { throw invalid("has \"[\(host.prefix(60))]\", which is not an IPv6 address") }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            entryPort = try port(text[text.index(after: colon)...])
        } else {
            host = Substring(text)
        }

        if let bytes = IPAddressBytes.parse(String(host)) {
            let unmapped = IPAddressBytes.unmapped(bytes)
            return Entry(pattern: .network(address: unmapped, prefixLength: unmapped.count * 8), port: entryPort)
        }
        if host.hasPrefix("*.") { host = host.dropFirst(2) } else if host.hasPrefix(".") { host = host.dropFirst() }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }) else {
            throw invalid("is not an IP address, a CIDR block or a host name")
        }
        return Entry(pattern: .domain(String(host)), port: entryPort)
    }
}

/// IP literals as bytes: 4 for IPv4, 16 for IPv6.
enum IPAddressBytes {
    /// The bytes of an IPv4 dotted quad or an IPv6 address (no brackets, no zone); nil for anything else.
    static func parse(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.count <= 64 else { return nil }
        var v4 = in_addr()
        if text.withCString({ inet_pton(AF_INET, $0, &v4) }) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if text.withCString({ inet_pton(AF_INET6, $0, &v6) }) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) as its IPv4 bytes; any other address unchanged.
    static func unmapped(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff else { return bytes }
        return Array(bytes[12..<16])
    }

    /// Whether `address` lies in `network`/`prefixLength`; addresses of different families never do.
    static func contains(network: [UInt8], prefixLength: Int, address: [UInt8]) -> Bool {
        guard network.count == address.count else { return false }
        var remaining = prefixLength
        for index in network.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if network[index] & mask != address[index] & mask { return false }
            remaining -= bits
        }
        return true
    }
}
