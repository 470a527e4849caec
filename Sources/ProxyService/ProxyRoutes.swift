/// The protocols a client can ask for, by ALPN, on the Proxy Service's one web port, and where
/// each leads. One TLS port carries everything, as Teleport's TLS routing does:
/// - `http/1.1` (browsers, `curl`): the web API (`/webapi/ping`, `/v1/webapi/find`);
/// - `grpc-exp` / `h2` (gRPC clients): the join service, forwarded to the Auth server;
/// - ``authTunnel``: a byte tunnel to the Auth server, inside which a joined process runs
///   its own mTLS session with the Auth server (heartbeats, renewals), so the proxy never
///   holds or forges a client's identity.
///
/// The order is the server's preference: a client offering both `h2` and `http/1.1` (as
/// curl does) gets the web API, while gRPC clients, which offer `grpc-exp` first, get gRPC.
public enum ProxyRoutes {
    public static let authTunnel = "joinery-auth"
    public static let grpcProtocols = ["grpc-exp", "h2"]
    public static let webProtocol = "http/1.1"

    /// The protocols offered, in the server's order of preference.
    public static let offered = [authTunnel, "grpc-exp", webProtocol, "h2"]

    public enum Route: Equatable, Sendable {
        case webAPI, joinService, authTunnel
    }

    /// Where a connection goes after its handshake; nil protocol means the client sent no ALPN.
    public static func route(for negotiated: String?) -> Route {
        switch negotiated {
        case authTunnel?: .authTunnel
        case let name? where grpcProtocols.contains(name): .joinService
        default: .webAPI
        }
    }
}
