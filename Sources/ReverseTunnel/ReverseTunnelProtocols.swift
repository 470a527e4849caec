/// The ALPN names of the two server-access routes on the Proxy Service's web port, and the
/// limits both sides of them keep.
///
/// They live here, below `ProxyService`, because both halves need them: the proxy routes by
/// them, and the node's agent and `tsh` offer them. Each is offered *alone* by its clients, so
/// where they sit in the proxy's preference order changes nothing for browsers, `curl` or
/// gRPC clients.
public enum ReverseTunnelProtocols {
    /// A node's reverse tunnel: its control connection and the data connections it opens back.
    public static let reverseTunnel = "joinery-reversetunnel"
    /// A user's SSH connection to a node, routed by the proxy (`tsh proxy ssh`).
    public static let proxySSH = "joinery-proxy-ssh"
    /// The longest line either side accepts, newline excluded. Longer is garbage: the
    /// connection is refused and closed.
    public static let maximumLineBytes = 4096
}
