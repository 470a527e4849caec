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
struct ClusterRoute: Sendable {
    let address: AuthAddress
    let dialer: ClusterDialer

    static let proxyWebPort = 3080
    /// The `auth_server` ports that "look like a proxy": the web port and HTTPS.
    static let proxyLikePorts = [proxyWebPort, 443]

    /// - Parameter proxyPorts: the `auth_server` ports tried as a Proxy Service first;
    ///   ``proxyLikePorts`` except in tests, which cannot listen on 443 or 3080.
    static func resolve(proxyServer: String?, authServer: String?, caPath: String?, caPathField: String,
                        insecure: Bool, logger: Logger, proxyPorts: [Int] = proxyLikePorts) async throws -> ClusterRoute {
        let environment = try ProxyEnvironment()
        let trust = ClusterDialer.ProxyTrust(
            trustRoots: try caPath.map { try CAFile.certificates(path: $0, field: caPathField) }, insecure: insecure)
        if let proxyServer {
            let address = try AuthAddress(parsing: proxyServer, defaultPort: proxyWebPort)
            return ClusterRoute(address: address, dialer: ClusterDialer(proxy: trust, environment: environment, logger: logger))
        }
        guard let authServer else {
            throw JoinError.badParameter("no auth or proxy servers set: set teleport.proxy_server or teleport.auth_server, or pass --auth-server / --proxy")
        }
        let address = try AuthAddress(parsing: authServer)
        let direct = ClusterDialer(proxy: nil, environment: environment, logger: logger)
        guard proxyPorts.contains(address.port) else { return ClusterRoute(address: address, dialer: direct) }
        let viaProxy = ClusterDialer(proxy: trust, environment: environment, logger: logger)
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

    /// A `Ping` through the Proxy Service route, bounded to a few seconds.
    static func ping(_ address: AuthAddress, dialer: ClusterDialer) async throws {
        _ = try await ClusterPing(address: address, dialer: dialer).ping(timeout: .seconds(5))
    }
}
