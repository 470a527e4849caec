import Foundation

/// An HTTP proxy to tunnel through with CONNECT, as named by HTTPS_PROXY / HTTP_PROXY.
///
/// It is a value, parsed once from the environment (``ProxyEnvironment``), so that every
/// connection that needs it sees the same proxy and nothing re-reads the variables. The
/// credentials it may carry are kept out of everything that is printed: ``description``,
/// the mirror (`dump`), and every error raised while parsing.
public struct OutboundProxy: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// How the proxy itself is reached: in plain HTTP, or over TLS.
    public enum Scheme: String, Sendable { case http, https }

    public var scheme: Scheme
    /// A DNS name or an IP address; an IPv6 address without brackets.
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    public init(scheme: Scheme, host: String, port: Int, username: String? = nil, password: String? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// The `Proxy-Authorization` header value (`Basic base64(user:password)`), nil without credentials.
    public var proxyAuthorization: String? {
        guard let username else { return nil }
        return "Basic " + Data("\(username):\(password ?? "")".utf8).base64EncodedString()
    }

    /// `scheme://host:port` — NEVER includes the credentials (it is logged).
    public var description: String {
        "\(scheme.rawValue)://\(Self.bracketed(host)):\(port)"
    }

    /// What `dump` and debuggers show: the parts that may be logged, and whether there are credentials.
    public var customMirror: Mirror {
        Mirror(self, children: ["scheme": scheme, "host": host, "port": port, "hasCredentials": username != nil],
               displayStyle: .struct)
    }

    /// `host`, with brackets when it is an IPv6 address.
    static func bracketed(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}

extension OutboundProxy {
    /// The form every message about a proxy value asks for.
    static let expectedForm = "expected [http:// or https://][user[:password]@]host[:port], e.g. http://proxy.example.com:8080"

    /// Parses the value of `variable` (`HTTPS_PROXY`, `http_proxy`, …): `scheme://[user[:password]@]host:port[/]`,
    /// `http://` when the scheme is left out, port 80 or 443 by default.
    ///
    /// - Throws: `JoinError.badParameter` naming `variable` and quoting the value without its
    ///   credentials.
    init(parsing value: String, variable: String) throws {
        var rest = Substring(value)
        let scheme: Scheme
        // A scheme is letters, digits, "+", "-", "."; anything else before "://" is part of the
        // credentials of a value written without scheme, and must not be quoted.
        if let separator = rest.range(of: "://"),
           rest[..<separator.lowerBound].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) {
            let name = rest[..<separator.lowerBound].lowercased()
            guard let known = Scheme(rawValue: name) else {
                if name.isEmpty {
                    throw JoinError.badParameter("\(variable): the proxy URL has \"://\" but no scheme; use http:// or https:// (\(Self.expectedForm))")
                }
                let shown = name.count <= 20 ? name : String(name.prefix(20)) + "…"
                throw JoinError.badParameter("\(variable): unsupported proxy scheme \"\(shown)\"; use http:// or https://")
            }
            scheme = known
            rest = rest[separator.upperBound...]
        } else {
            scheme = .http
        }

        // Credentials end at the last "@" (a password may hold an unencoded "/" or "?"), the
        // authority at the first "/", "?" or "#" after them; only an empty path or "/" may follow.
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let colon = userInfo.firstIndex(of: ":")
            guard let decodedUser = String(userInfo[..<(colon ?? userInfo.endIndex)]).removingPercentEncoding else {
                throw Self.badPercentEncoding(variable)
            }
            username = decodedUser
            if let colon {
                guard let decodedSecret = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding else {
                    throw Self.badPercentEncoding(variable)
                }
                password = decodedSecret
            }
        }
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let trailer = rest[authorityEnd...]
        // Every message below quotes the value without its credentials.
        let shown = "\(scheme.rawValue)://\(authority)\(trailer.prefix(40))"

        guard trailer.isEmpty || trailer == "/" else {
            throw JoinError.badParameter("\(variable): the proxy URL \"\(shown)\" has a path, query or fragment; a proxy is named by its host and port only (\(Self.expectedForm))")
        }

        let host: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw JoinError.badParameter("\(variable): the proxy address in \"\(shown)\" opens \"[\" without closing it (\(Self.expectedForm))")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else {
                throw JoinError.badParameter("\(variable): unexpected \"\(after.prefix(20))\" after the IPv6 address in \"\(shown)\" (\(Self.expectedForm))")
            }
            guard IPAddressBytes.parse(String(host))?.count == 16 else {
                throw JoinError.badParameter("\(variable): \"[\(host.prefix(60))]\" in \"\(shown)\" is not an IPv6 address (\(Self.expectedForm))")
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
            portText = nil
        }

        guard !host.isEmpty else {
            throw JoinError.badParameter("\(variable): no proxy host in \"\(shown)\" (\(Self.expectedForm))")
        }
        let port: Int
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let number = Int(portText), (1...65535).contains(number) else {
                throw JoinError.badParameter("\(variable): invalid proxy port \"\(portText.prefix(20))\" in \"\(shown)\": a port is a number from 1 to 65535 (\(Self.expectedForm))")
            }
            port = number
        } else {
            port = scheme == .https ? 443 : 80
        }

        let name = host.lowercased()
        if !name.contains(":") {
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }) else {
                throw JoinError.badParameter("\(variable): \"\(host.prefix(60))\" in \"\(shown)\" is not a host name or IP address (\(Self.expectedForm))")
            }
        }
        let bare = name.hasSuffix(".") ? String(name.dropLast()) : name
        if bare == "localhost" || bare.hasSuffix(".localhost") {
            throw JoinError.badParameter("\(variable): localhost is not accepted as a proxy host (as in Teleport); if the proxy runs on this machine, name it by another DNS name or address, e.g. 127.0.0.1 or the machine's host name")
        }
        self.init(scheme: scheme, host: name, port: port, username: username, password: password)
    }

    static func badPercentEncoding(_ variable: String) -> JoinError {
        .badParameter("\(variable): the proxy user name or password is not valid percent-encoding (credentials not shown); encode reserved characters such as % @ : / as %25 %40 %3A %2F")
    }
}
