import Foundation

/// The Proxy Service's discovery endpoints, as Teleport serves them (networking guide):
/// `GET /webapi/ping` and `GET /v1/webapi/find` describe the cluster and the proxy's
/// addresses, so clients (and `curl … | jq -r '.server_version'`) learn where to connect.
/// Everything goes through the one web port (TLS routing), so every listen address reported
/// is the web address.
public struct ProxyWebAPI: Sendable {
    /// `proxy.ssh` in the response: Teleport's names for the proxy's listeners.
    struct SSHSettings: Encodable, Sendable {
        var listenAddr: String
        var tunnelListenAddr: String
        var webListenAddr: String
        var publicAddr: String

        enum CodingKeys: String, CodingKey {
            case listenAddr = "listen_addr", tunnelListenAddr = "tunnel_listen_addr"
            case webListenAddr = "web_listen_addr", publicAddr = "public_addr"
        }
    }

    struct ProxySettings: Encodable, Sendable {
        struct Kube: Encodable, Sendable { var enabled = false }
        var kube = Kube()
        var ssh: SSHSettings
        var tlsRoutingEnabled = true

        enum CodingKeys: String, CodingKey { case kube, ssh, tlsRoutingEnabled = "tls_routing_enabled" }
    }

    struct Document: Encodable, Sendable {
        var proxy: ProxySettings
        var serverVersion: String
        var minClientVersion: String
        var clusterName: String
        var edition = "community"
        var fips = false

        enum CodingKeys: String, CodingKey {
            case proxy, serverVersion = "server_version", minClientVersion = "min_client_version"
            case clusterName = "cluster_name", edition, fips
        }
    }

    /// An answer: status code and JSON body.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var body: [UInt8]
    }

    let document: Document

    /// - Parameters:
    ///   - webListenAddress: `web_listen_addr` as configured (`0.0.0.0:3080`).
    ///   - publicAddresses: `public_addr`; the first is the one clients are told to use.
    public init(clusterName: String, serverVersion: String, webListenAddress: String, publicAddresses: [String]) {
        let publicAddress = publicAddresses.first.map { Self.withDefaultPort($0) } ?? webListenAddress
        document = Document(
            proxy: ProxySettings(ssh: SSHSettings(listenAddr: webListenAddress, tunnelListenAddr: webListenAddress,
                                                  webListenAddr: webListenAddress, publicAddr: publicAddress)),
            serverVersion: serverVersion, minClientVersion: serverVersion, clusterName: clusterName)
    }

    /// The answer to `GET path` (query string ignored).
    public func respond(path: String) -> Answer {
        let bare = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        switch bare {
        case "/webapi/ping", "/webapi/ping/", "/v1/webapi/find", "/v1/webapi/ping":
            return Answer(status: 200, body: Self.encode(document))
        default:
            return Answer(status: 404, body: Self.encode(["error": ["message": "not found: the Proxy Service serves /webapi/ping and /v1/webapi/find"]]))
        }
    }

    private static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ((try? encoder.encode(value)).map(Array.init) ?? Array("{}".utf8)) + [UInt8(ascii: "\n")]
    }

    /// `host` → `host:3080`; an address with a port is kept.
    static func withDefaultPort(_ address: String) -> String {
        if address.hasPrefix("[") { return address.contains("]:") ? address : address + ":3080" }
        return address.contains(":") ? address : address + ":3080"
    }
}
