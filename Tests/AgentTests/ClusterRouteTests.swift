@testable import Agent
import Foundation
import JoinCore
import Logging
import TestSupport
import XCTest

/// Where a joining process connects (spec §9.5), against a real Auth server with the Proxy
/// Service beside it: `proxy_server` always goes through the proxy, an `auth_server` on a port
/// that "looks like a proxy" is tried as a Proxy Service first and used directly when it is
/// not one, and with neither set nothing is dialled. The test cannot listen on 3080 or 443, so
/// the proxy-looking ports are the cluster's own.
final class ClusterRouteTests: XCTestCase {
    private var cluster: ClusterProcesses?
    private let logger = Logger(label: "cluster-route-test")

    override func tearDown() async throws {
        await cluster?.stop()
    }

    /// Auth and Proxy in one process, for the tests that dial.
    private func startCluster() async throws -> ClusterProcesses {
        let started = try ClusterProcesses(withProxy: true)
        cluster = started
        try await started.startAuth()
        return started
    }

    private func resolve(proxyServer: String? = nil, authServer: String? = nil, insecure: Bool = false,
                         proxyPorts: [Int]) async throws -> ClusterRoute {
        try await ClusterRoute.resolve(
            proxyServer: proxyServer, authServer: authServer, caPath: insecure ? nil : cluster?.proxyCAPath,
            caPathField: "teleport.ca_path", insecure: insecure, logger: logger, proxyPorts: proxyPorts)
    }

    func testAnAuthServerOnAProxyPortThatIsAProxyServiceIsJoinedThroughIt() async throws {
        let cluster = try await startCluster()
        let route = try await resolve(authServer: cluster.proxyAddress, proxyPorts: [cluster.proxyPort])
        XCTAssertTrue(route.dialer.isViaProxy)
        XCTAssertEqual(route.address.description, cluster.proxyAddress)
        // The route works: the proxy answers Ping for the cluster behind it.
        let answer = try await ClusterPing(address: route.address, dialer: route.dialer).ping(timeout: .seconds(5))
        XCTAssertEqual(answer.clusterName, "it.example.com")
    }

    func testAnAuthServerOnAProxyPortThatIsTheAuthServerFallsBackToDialingItDirectly() async throws {
        let cluster = try await startCluster()
        for insecure in [false, true] {
            let route = try await resolve(authServer: cluster.authAddress, insecure: insecure, proxyPorts: [cluster.port])
            XCTAssertFalse(route.dialer.isViaProxy, "insecure: \(insecure)")
            XCTAssertEqual(route.address.description, cluster.authAddress)
            let answer = try await ClusterPing(address: route.address, dialer: route.dialer).ping(timeout: .seconds(5))
            XCTAssertEqual(answer.clusterName, "it.example.com")
        }
    }

    func testAnAuthServerOnAnyOtherPortIsDialedDirectlyWithoutProbing() async throws {
        let cluster = try await startCluster()
        // The Proxy Service's address, but its port is not in the list: taken as an Auth server.
        let route = try await resolve(authServer: cluster.proxyAddress, proxyPorts: [cluster.port])
        XCTAssertFalse(route.dialer.isViaProxy)
    }

    func testAProxyServerIsJoinedThroughWithoutProbing() async throws {
        // Nothing is dialled while resolving: an address where nothing listens resolves, even
        // on a port listed as proxy-looking, and a proxy_server without a port gets the web port.
        let silent = try await resolve(proxyServer: "127.0.0.1:1", proxyPorts: [1])
        XCTAssertTrue(silent.dialer.isViaProxy)
        XCTAssertEqual(silent.address.description, "127.0.0.1:1")
        let bare = try await resolve(proxyServer: "proxy.example.com", proxyPorts: [])
        XCTAssertEqual(bare.address.port, ClusterRoute.proxyWebPort)
        XCTAssertTrue(bare.dialer.isViaProxy)
    }

    func testWithNeitherServerSetTheRouteIsRefused() async throws {
        do {
            _ = try await resolve(proxyPorts: ClusterRoute.proxyLikePorts)
            XCTFail("a route was resolved with no server set")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains("no auth or proxy servers set"), error.message)
        }
    }

    /// Issue 15: something on a proxy-looking port speaks TLS with a certificate the proxy
    /// trust refuses. That is a failed check, never a reason to try the address as an Auth
    /// server (where, without pins, an older client would have sent its token unverified).
    func testARefusedProxyCertificateDoesNotFallBackToAnAuthServer() async throws {
        let cluster = try await startCluster()
        let stranger = try Command.shell("""
            cd "$(mktemp -d)" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
              -subj /CN=stranger -addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem 2>/dev/null && cat cert.pem key.pem
            """)
        XCTAssertEqual(stranger.status, 0, stranger.combined)
        let pem = stranger.stdout
        let split = try XCTUnwrap(pem.range(of: "-----BEGIN PRIVATE KEY-----"))
        let impostor = try await ImpostorTLSServer(certificatePEM: String(pem[..<split.lowerBound]),
                                                   privateKeyPEM: String(pem[split.lowerBound...]), caPEM: String(pem[..<split.lowerBound]))
        defer { Task { await impostor.stop() } }
        _ = cluster
        do {
            let route = try await resolve(authServer: "127.0.0.1:\(impostor.port)", proxyPorts: [impostor.port])
            XCTFail("a refused certificate fell back to \(route.dialer.isViaProxy ? "the proxy" : "a direct Auth") route")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied, error.message)
            XCTAssertTrue(error.message.contains("not trying 127.0.0.1:\(impostor.port) as an Auth server"), error.message)
        }
        XCTAssertFalse(impostor.receivedHTTP2Preface, impostor.transcript)
    }

    /// The fallback that remains: nothing listening on the proxy-looking port.
    func testNothingListeningOnAProxyPortFallsBackToDialingDirectly() async throws {
        let port = FreePort.next()
        let route = try await resolve(authServer: "127.0.0.1:\(port)", proxyPorts: [port])
        XCTAssertFalse(route.dialer.isViaProxy)
    }

    func testTheDefaultProxyLookingPortsAreTheWebPortAndHTTPS() {
        XCTAssertEqual(ClusterRoute.proxyLikePorts, [3080, 443])
    }
}
