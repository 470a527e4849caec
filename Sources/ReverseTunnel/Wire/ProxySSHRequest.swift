/// The one line a client sends on the ``ReverseTunnelProtocols/proxySSH`` route after its
/// mTLS handshake: `{"target":"node-1:3022"}`.
///
/// The target's host part names the node: its name, its host ID, or `name.<cluster>`. A port
/// may follow (OpenSSH's `%h:%p`); it is accepted and ignored, since the node's tunnel or its
/// heartbeated address decides where its SSH service is.
public struct ProxySSHRequest: Codable, Equatable, Sendable {
    public var target: String

    public init(target: String) {
        self.target = target
    }

    /// The host part of ``target``: `node-1` of `node-1:3022`, `::1` of `[::1]:22`.
    public var host: String {
        var text = Substring(target)
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        // One colon is host:port; more (a bare IPv6 address) is all host.
        if text.filter({ $0 == ":" }).count == 1, let colon = text.lastIndex(of: ":") {
            text = text[..<colon]
        }
        return String(text)
    }
}

/// The proxy's one-line answer to a ``ProxySSHRequest``: `{"ok":true}`, after which the bytes
/// are the node's, or `{"error":"…"}`, after which the connection closes.
public struct ProxySSHAnswer: Codable, Equatable, Sendable {
    public var ok: Bool?
    public var error: String?

    public static let accepted = ProxySSHAnswer(ok: true, error: nil)

    public static func refused(_ message: String) -> ProxySSHAnswer { ProxySSHAnswer(ok: nil, error: message) }

    public init(ok: Bool?, error: String?) {
        self.ok = ok
        self.error = error
    }
}
