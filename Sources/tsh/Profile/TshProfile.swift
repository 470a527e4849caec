import Foundation

/// What `tsh login` leaves behind for one proxy: who signed in, where, and until when. The
/// keys and certificates sit beside it (``ProfileStore``).
struct TshProfile: Codable, Equatable {
    /// The Proxy Service's web address, `host:port`.
    var proxy: String
    var user: String
    var cluster: String
    /// `--insecure` at login: the proxy's web certificate is not verified (the cluster's own
    /// mTLS inside is, always).
    var insecure: Bool
    var roles: [String]
    var logins: [String]
    var expires: Date

    /// The proxy's host name, which names the profile's files.
    var proxyHost: String {
        if proxy.hasPrefix("["), let end = proxy.firstIndex(of: "]") { return String(proxy[proxy.index(after: proxy.startIndex)..<end]) }
        return String(proxy.split(separator: ":").first ?? Substring(proxy))
    }
}
