import ReverseTunnel

/// The protocols a client can ask for, by ALPN, on the Proxy Service's one web port, and where
/// each leads. One TLS port carries everything, as Teleport's TLS routing does:
/// - `http/1.1` (browsers, `curl`): the web API (`/webapi/ping`, `/v1/webapi/find`);
/// - `grpc-exp` / `h2` (gRPC clients): the join service, forwarded to the Auth server;
/// - ``authTunnel``: a byte tunnel to the Auth server, inside which a joined process runs
///   its own mTLS session with the Auth server (heartbeats, renewals), so the proxy never
///   holds or forges a client's identity;
/// - ``reverseTunnel``: a node's reverse tunnel (its control connection and the connections it
///   opens back for sessions), ending here (`ReverseTunnelServer`);
/// - ``proxySSH``: a user's SSH connection to a node, routed through the node's tunnel or to
///   its address (`ProxySSHRoute`).
///
/// The order is the server's preference: a client offering both `h2` and `http/1.1` (as
/// curl does) gets the web API, while gRPC clients, which offer `grpc-exp` first, get gRPC.
/// The `joinery-*` names are only ever offered alone by their clients, so their place in the
/// order changes nothing for anyone else.
public enum ProxyRoutes {
    public static let authTunnel = "joinery-auth"
    public static let reverseTunnel = ReverseTunnelProtocols.reverseTunnel
    public static let proxySSH = ReverseTunnelProtocols.proxySSH
    public static let grpcProtocols = ["grpc-exp", "h2"]
    public static let webProtocol = "http/1.1"

    /// The protocols offered, in the server's order of preference.
    public static let offered = [reverseTunnel, proxySSH, authTunnel, "grpc-exp", webProtocol, "h2"]

    public enum Route: Equatable, Sendable {
        case webAPI, joinService, authTunnel, reverseTunnel, proxySSH
    }

    /// Where a connection goes after its handshake; nil protocol means the client sent no ALPN.
    public static func route(for negotiated: String?) -> Route {
        switch negotiated {
        case authTunnel?: .authTunnel
        case reverseTunnel?: .reverseTunnel
        case proxySSH?: .proxySSH
        case let name? where grpcProtocols.contains(name): .joinService
        default: .webAPI
        }
    }
}
