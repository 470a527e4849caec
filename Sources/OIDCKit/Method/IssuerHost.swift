import JoinCore

/// A host-valued token setting (gitlab's `domain`, spacelift's and terraform_cloud's
/// `hostname`, github's `enterprise_server_host`): a DNS name or IP address with an optional
/// port, and nothing else, so no `@`, `?`, `#` or `\` can make the issuer URL built from it
/// point at another host than the one written.
public enum IssuerHost {
    /// Whether `text` is `host[:port]`, the host a name or an IPv4 address, or a bracketed IPv6
    /// address.
    public static func isValid(_ text: String) -> Bool {
        var host = Substring(text)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let inner = host[host.index(after: host.startIndex)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
            let rest = host[host.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return false }
                port = rest.dropFirst()
            }
            host = inner
        } else {
            if let colon = host.lastIndex(of: ":") {
                port = host[host.index(after: colon)...]
                host = host[..<colon]
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }),
                  host.first != ".", host.first != "-" else { return false }
        }
        if let port {
            guard let number = Int(port), (1...65535).contains(number), port.allSatisfy(\.isASCII) else { return false }
        }
        return true
    }

    /// Throws `message` (the method's words) when `text` is not a valid host.
    public static func check(_ text: String?, message: @autoclosure () -> String) throws {
        if let text, !isValid(text) { throw JoinError.badParameter(message()) }
    }
}
