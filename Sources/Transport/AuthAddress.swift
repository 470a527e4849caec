import JoinCore

/// An Auth server or Proxy Service address, `host:port` (port 3025 when omitted unless told
/// otherwise; `[v6]:port` for IPv6).
public struct AuthAddress: Sendable, Equatable, CustomStringConvertible {
    public static let defaultPort = 3025

    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host[:port]`; `defaultPort` fills a missing port (3025 for Auth, 3080 for a
    /// Proxy Service's web address).
    public init(parsing text: String, defaultPort: Int = AuthAddress.defaultPort) throws {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if let scheme = rest.range(of: "://") {
            guard ["https", "tcp"].contains(rest[..<scheme.lowerBound].lowercased()) else {
                throw JoinError.badParameter("the auth server address \"\(text)\" must be host:port (no URL scheme other than https://)")
            }
            rest = rest[scheme.upperBound...]
        }
        guard !rest.isEmpty else { throw JoinError.badParameter("the auth server address is empty") }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw JoinError.badParameter("the auth server address \"\(text)\" has an unclosed [")
            }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.isEmpty {
                port = defaultPort
            } else if after.hasPrefix(":") {
                port = try AuthAddress.port(after.dropFirst(), text)
            } else {
                throw JoinError.badParameter("the auth server address \"\(text)\" has text after the ] that is not :port")
            }
        } else if let colon = rest.lastIndex(of: ":"), rest.filter({ $0 == ":" }).count == 1 {
            host = String(rest[..<colon])
            port = try AuthAddress.port(rest[rest.index(after: colon)...], text)
        } else {
            host = String(rest)
            port = defaultPort
        }
        guard !host.isEmpty, !host.contains("/"), !host.contains(" ") else {
            throw JoinError.badParameter("the auth server address \"\(text)\" has no host")
        }
    }

    private static func port(_ text: Substring, _ whole: String) throws -> Int {
        guard text.allSatisfy(\.isNumber), let port = Int(text), (1...65535).contains(port) else {
            throw JoinError.badParameter("the auth server address \"\(whole)\" has an invalid port")
        }
        return port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

import Foundation
