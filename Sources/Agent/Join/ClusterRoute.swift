import Foundation
import JoinCore
import Logging
import Transport

/// Where a joining process connects and how (spec §9.5), from `proxy_server` or
/// `auth_server`, `ca_path`, `--insecure` and the HTTP proxy environment:
/// - `proxy_server`: through that Proxy Service only (web port, default 3080);
/// - `auth_server` on port 3080 or 443 "looks like a proxy": tried as a Proxy Service first
///   (a Ping through it), and as an Auth server only when nothing there speaks the proxy
///   protocol (refused, no TLS, wrong ALPN, or an Auth server's certificate) — never after a
///   certificate was refused;
/// - any other `auth_server`: straight to the Auth server.
public struct ClusterRoute: Sendable {
    /// The address dialled: the Proxy Service's or the Auth server's.
    public let address: AuthAddress
    /// How it is dialled: through the Proxy Service or straight to the Auth server.
    public let dialer: ClusterDialer

    /// The Proxy Service's web port, the default port of `proxy_server`.
    public static let proxyWebPort = 3080
    /// The `auth_server` ports that "look like a proxy": the web port and HTTPS.
    public static let proxyLikePorts = [proxyWebPort, 443]

    /// - Parameters:
    ///   - settingNames: how the calling program names its settings, for advice in messages.
    ///   - proxyPorts: the `auth_server` ports tried as a Proxy Service first;
    ///     ``proxyLikePorts`` except in tests, which cannot listen on 443 or 3080.
    public static func resolve(proxyServer: String?, authServer: String?, caPath: String?, caPathField: String,
                               insecure: Bool, logger: Logger, settingNames: ClusterSettingNames = .teleport,
                               proxyPorts: [Int] = proxyLikePorts) async throws -> ClusterRoute {
        let environment = try ProxyEnvironment()
        let trust = ClusterDialer.ProxyTrust(
            trustRoots: try caPath.map { try CAFile.certificates(path: $0, field: caPathField) }, insecure: insecure)
        func dialer(_ proxy: ClusterDialer.ProxyTrust?) -> ClusterDialer {
            var dialer = ClusterDialer(proxy: proxy, environment: environment, logger: logger)
            dialer.settingNames = settingNames
            return dialer
        }
        if let proxyServer {
            let address = try AuthAddress(parsing: proxyServer, defaultPort: proxyWebPort)
            return ClusterRoute(address: address, dialer: dialer(trust))
        }
        guard let authServer else {
            throw JoinError.badParameter("no auth or proxy servers set: set teleport.proxy_server or teleport.auth_server, or pass --auth-server / --proxy")
        }
        let address = try AuthAddress(parsing: authServer)
        let direct = dialer(nil)
        guard proxyPorts.contains(address.port) else { return ClusterRoute(address: address, dialer: direct) }
        let viaProxy = dialer(trust)
        do {
            try await ping(address, dialer: viaProxy)
            logger.info("the address answers as a Proxy Service; joining through it", metadata: ["address": "\(address)"])
            return ClusterRoute(address: address, dialer: viaProxy)
        } catch let refusal as JoinError where refusal.kind == .accessDenied {
            // Something speaks TLS there and its certificate was refused: that is a failed
            // check, not an absent proxy, and never a reason to try the address another way.
            throw JoinError.accessDenied("\(refusal.message) (not trying \(address) as an Auth server after its certificate was refused)")
        } catch {
            logger.info("the address looks like a Proxy Service (port \(address.port)) but did not answer as one; trying it as an Auth server",
                        metadata: ["address": "\(address)", "error": "\(error)"])
            return ClusterRoute(address: address, dialer: direct)
        }
    }

    /// The signature algorithm suite of the cluster at `proxyServer` (a Proxy Service's web
    /// address, default port 3080; tried as a Proxy Service first, then as an Auth server,
    /// whatever its port), from an unverified `Ping`: only the suite is read and nothing secret is
    /// sent, so the server's certificate is not checked. An address that cannot be resolved is a
    /// `badParameter` whose message starts with `field`.
    public static func signatureSuite(of proxyServer: String, field: String, logger: Logger) async throws -> String {
        let route: ClusterRoute
        do {
            let address = try AuthAddress(parsing: proxyServer, defaultPort: proxyWebPort)
            route = try await resolve(proxyServer: nil, authServer: address.description, caPath: nil, caPathField: "",
                                      insecure: true, logger: logger, proxyPorts: [address.port])
        } catch let error as JoinError {
            throw JoinError.badParameter("\(field): \(error.message)")
        }
        let clusterAddress = route.address
        let suite = try await ClusterPing(address: clusterAddress, dialer: route.dialer).ping().signatureSuite
        logger.debug("pinged the cluster for its signature algorithm suite", metadata: [
            "address": "\(clusterAddress)", "suite": "\(suite.isEmpty ? "unspecified" : suite)",
        ])
        return suite
    }

    /// A `Ping` through the Proxy Service route, bounded to a few seconds.
    static func ping(_ address: AuthAddress, dialer: ClusterDialer) async throws {
        _ = try await ClusterPing(address: address, dialer: dialer).ping(timeout: .seconds(5))
    }
}
