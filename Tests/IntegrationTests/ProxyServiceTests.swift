import Foundation
import TestSupport
import XCTest

/// The Proxy Service with the real binaries (issue 7, spec §9.1, networking guide): an Auth
/// server, a Proxy Service process and nodes, where the nodes are given only the proxy's
/// address; the web discovery endpoints through `curl`; and a real HTTP CONNECT proxy
/// (Debian's tinyproxy) between a node and the Proxy Service.
final class ProxyServiceTests: XCTestCase {
    private var cluster: ClusterProcesses!
    private var proxyProcess: ManagedProcess?
    private var proxyPort = 0
    private var tinyproxy: TinyProxy?

    override func setUp() async throws {
        cluster = try ClusterProcesses(staticTokens: ["proxy:static-proxy-join-secret-0123"])
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        tinyproxy?.stop()
        await proxyProcess?.stop()
        await cluster.stop()
    }

    private var proxyDataDirectory: String { cluster.nodeDataDirectory("proxy") }
    private var proxyCAPath: String { proxyDataDirectory + "/proxy/webcert.pem" }
    private var proxyAddress: String { "127.0.0.1:\(proxyPort)" }

    /// A Proxy Service in its own process: it joins with a static Proxy token and forwards to
    /// the Auth server, which the nodes never dial.
    private func startStandaloneProxy() async throws {
        proxyPort = FreePort.next()
        let config = cluster.directory.appendingPathComponent("proxy.yaml")
        try """
        version: v3
        teleport:
          nodename: proxy-host
          data_dir: \(proxyDataDirectory)
          auth_server: \(cluster.authAddress)
          ca_pin: \(try cluster.caPin())
          join_params:
            token_name: static-proxy-join-secret-0123
            method: token
          log:
            severity: DEBUG
        auth_service:
          enabled: no
        ssh_service:
          enabled: no
        proxy_service:
          enabled: yes
          web_listen_addr: 127.0.0.1:\(proxyPort)
          public_addr: proxy.example.com:3080
        """.write(to: config, atomically: true, encoding: .utf8)
        let process = try ManagedProcess(ClusterProcesses.teleport, ["start", "-c", config.path],
                                         logDirectory: cluster.directory, name: "proxy")
        proxyProcess = process
        guard await process.waitForOutput("Proxy Service is listening") else {
            return XCTFail("the Proxy Service did not start: \(process.output)")
        }
    }

    private func startNode(_ name: String, extra: [String] = [], environment: [String: String] = [:]) throws -> ManagedProcess {
        let token = try cluster.addToken()
        return try cluster.startNode(name, [
            "--roles=node", "--token=\(token)", "--proxy=\(proxyAddress)", "--ca-path=\(proxyCAPath)",
            "--data-dir=\(cluster.nodeDataDirectory(name))", "--nodename=\(name)",
        ] + extra, environment: environment)
    }

    private func joinEvents(nodeName: String) throws -> [[String: Any]] {
        let result = try cluster.tctl(["audit", "ls", "--format=json"])
        XCTAssertEqual(result.status, 0, result.combined)
        // One JSON event per line.
        let events = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        return events.filter { ($0["node_name"] as? String) == nodeName }
    }

    func testANodeThatReachesOnlyTheProxyJoinsAndIsAuditedUnderItsOwnAddress() async throws {
        try await startStandaloneProxy()
        let node = try startNode("behind-proxy")
        let listing = try await cluster.waitForNode("behind-proxy")
        XCTAssertTrue(listing.contains("behind-proxy"), "tctl nodes ls: \(listing)\nnode: \(node.output)")
        // The node dialled only the proxy: its log names the proxy's address, never Auth's,
        // and calls it what it is (proxy=, not auth_server=).
        XCTAssertFalse(node.output.contains(cluster.authAddress), node.output)
        XCTAssertTrue(node.output.contains("joining the cluster method=token proxy=\(proxyAddress)"), node.output)
        XCTAssertTrue(node.output.contains("proxy=\(proxyAddress)"), node.output)
        XCTAssertFalse(node.output.contains("auth_server="), node.output)

        let events = try joinEvents(nodeName: "behind-proxy")
        let event = try XCTUnwrap(events.first(where: { ($0["success"] as? Bool) == true }), "\(events)")
        let remote = try XCTUnwrap(event["remote_address"] as? String)
        let attributes = event["attributes"] as? [String: String] ?? [:]
        let forwardedBy = try XCTUnwrap(attributes["forwarded_by_proxy"], "\(event)")
        // The node's own connection (to the proxy), not the proxy's connection to Auth.
        XCTAssertTrue(remote.hasPrefix("127.0.0.1:"), remote)
        XCTAssertNotEqual(remote, forwardedBy)
        // The proxy's own join (as a Proxy) came straight to Auth and carries no forwarding.
        let proxyJoins = try joinEvents(nodeName: "proxy-host")
        XCTAssertTrue(proxyJoins.contains { ($0["role"] as? String) == "Proxy" && ($0["success"] as? Bool) == true }, "\(proxyJoins)")
    }

    func testAnUntrustedProxyCertificateIsRefusedUnlessInsecure() async throws {
        try await startStandaloneProxy()
        let token = try cluster.addToken()
        let refused = try Command.run(ClusterProcesses.teleport, [
            "start", "--roles=node", "--token=\(token)", "--proxy=\(proxyAddress)",
            "--data-dir=\(cluster.nodeDataDirectory("untrusting"))", "--nodename=untrusting",
        ], timeout: 30)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.combined.contains("not trusted"), refused.combined)
        // It says what to do: the setting, the variable, and where the proxy keeps its CA.
        for advice in ["--ca-path (teleport.ca_path)", "SSL_CERT_FILE", "<proxy data_dir>/proxy/webcert.pem on the proxy's host"] {
            XCTAssertTrue(refused.combined.contains(advice), "missing \(advice): \(refused.combined)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cluster.nodeDataDirectory("untrusting") + "/identity.json"))

        _ = try cluster.startNode("insecure-node", [
            "--roles=node", "--token=\(token)", "--proxy=\(proxyAddress)", "--insecure",
            "--data-dir=\(cluster.nodeDataDirectory("insecure-node"))", "--nodename=insecure-node",
        ])
        let listing = try await cluster.waitForNode("insecure-node")
        XCTAssertTrue(listing.contains("insecure-node"), listing)
    }

    func testAProxyAddressGivenAsTheAuthServerWithAPinIsRefusedAndNamedAsAProxyService() async throws {
        try await startStandaloneProxy()
        let token = try cluster.addToken()
        let refused = try Command.run(ClusterProcesses.teleport, [
            "start", "--roles=node", "--token=\(token)", "--auth-server=\(proxyAddress)", "--ca-pin=\(try cluster.caPin())",
            "--data-dir=\(cluster.nodeDataDirectory("proxy-as-auth"))", "--nodename=proxy-as-auth",
        ], timeout: 60)
        XCTAssertNotEqual(refused.status, 0, refused.combined)
        XCTAssertTrue(refused.combined.contains("does not match any provided pin"), refused.combined)
        XCTAssertTrue(refused.combined.contains(
            "\(proxyAddress) looks like a Proxy Service (its certificate is not issued by a cluster CA, and it answers as a Proxy Service): "
                + "pass it with --proxy (teleport.proxy_server) instead of --auth-server (teleport.auth_server)"), refused.combined)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cluster.nodeDataDirectory("proxy-as-auth") + "/identity.json"))
    }

    func testCurlReadsTheDiscoveryEndpoints() async throws {
        try await startStandaloneProxy()
        for path in ["/webapi/ping", "/v1/webapi/find"] {
            let result = try Command.run(URL(fileURLWithPath: "/usr/bin/curl"), [
                "-sS", "--fail", "--cacert", proxyCAPath, "https://127.0.0.1:\(proxyPort)\(path)",
            ])
            XCTAssertEqual(result.status, 0, result.combined)
            let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(document["cluster_name"] as? String, "it.example.com", path)
            XCTAssertFalse((document["server_version"] as? String ?? "").isEmpty, path)
            let proxy = try XCTUnwrap(document["proxy"] as? [String: Any], path)
            XCTAssertEqual(proxy["tls_routing_enabled"] as? Bool, true, path)
            let ssh = try XCTUnwrap(proxy["ssh"] as? [String: Any], path)
            XCTAssertEqual(ssh["public_addr"] as? String, "proxy.example.com:3080", path)
            XCTAssertEqual(ssh["web_listen_addr"] as? String, "127.0.0.1:\(proxyPort)", path)
        }
        // The guides' one-liner.
        let shell = try Command.run(URL(fileURLWithPath: "/bin/sh"), [
            "-c", "curl -s --cacert '\(proxyCAPath)' https://127.0.0.1:\(proxyPort)/webapi/ping | jq -r '.server_version'",
        ])
        XCTAssertEqual(shell.status, 0, shell.combined)
        XCTAssertFalse(shell.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let missing = try Command.run(URL(fileURLWithPath: "/usr/bin/curl"), [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", proxyCAPath, "https://127.0.0.1:\(proxyPort)/webapi/nothing",
        ])
        XCTAssertEqual(missing.stdout, "404")
    }

    func testANodeWithHTTPSProxySetJoinsThroughTheConnectProxyAndNoProxySkipsIt() async throws {
        try await startStandaloneProxy()
        let connectProxy = try TinyProxy.start()
        tinyproxy = connectProxy
        let connectLine = "CONNECT 127.0.0.1:\(proxyPort)"
        _ = try startNode("via-connect", environment: ["HTTPS_PROXY": "127.0.0.1:\(connectProxy.port)"])
        let listing = try await cluster.waitForNode("via-connect")
        XCTAssertTrue(listing.contains("via-connect"), listing)
        let log = connectProxy.logText()
        XCTAssertTrue(log.contains(connectLine), log)
        let tunnelsBefore = log.components(separatedBy: connectLine).count - 1

        _ = try startNode("direct", environment: [
            "HTTPS_PROXY": "http://127.0.0.1:\(connectProxy.port)", "NO_PROXY": "example.org,127.0.0.1:\(proxyPort)",
        ])
        let listed = try await cluster.waitForNode("direct")
        XCTAssertTrue(listed.contains("direct"), listed)
        // The direct node's join and heartbeats opened no tunnel; the first node's heartbeats
        // may have, so compare against a second reading taken after "direct" is listed.
        let after = connectProxy.logText()
        let directNodeLog = try String(contentsOfFile: cluster.directory.appendingPathComponent("direct.log").path, encoding: .utf8)
        XCTAssertFalse(directNodeLog.contains("connecting through an HTTP CONNECT proxy"), directNodeLog)
        XCTAssertGreaterThanOrEqual(after.components(separatedBy: connectLine).count - 1, tunnelsBefore)
    }

    func testALocalhostConnectProxyIsRefusedWithAClearMessage() throws {
        let token = try cluster.addToken()
        let result = try Command.run(ClusterProcesses.teleport, [
            "start", "--roles=node", "--token=\(token)", "--proxy=127.0.0.1:1",
            "--data-dir=\(cluster.nodeDataDirectory("localhost-proxy"))",
        ], environment: ["HTTPS_PROXY": "http://localhost:3128"], timeout: 30)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.combined.contains("localhost is not accepted as a proxy host"), result.combined)
    }
}
