import Foundation
import TestSupport
import XCTest

/// The first seed guide ("joining services with a secure token") the way it is written for a
/// cluster with a Proxy Service, against the real binaries: the version from `/v1/webapi/find`
/// with curl and jq, `teleport configure --roles=node --token --proxy -o file`, `teleport start`
/// and `tctl nodes ls`; then `tctl nodes add --roles=proxy` and the `teleport start --roles=proxy
/// --token --ca-pin --auth-server` it prints, which starts a Proxy Service of its own.
///
/// The cluster's web certificate is self-signed, so the commands run with the environment
/// naming it — the way an operator trusts a private CA without changing the guide's commands
/// (no `--cacert`, `--ca-path` or `--insecure`): `SSL_CERT_FILE` for teleport, and
/// `CURL_CA_BUNDLE` for curl, which on Debian ignores `SSL_CERT_FILE`.
final class SeedGuideProxyJoinTests: XCTestCase {
    private var cluster: ClusterProcesses!

    override func setUp() async throws {
        cluster = try ClusterProcesses(withProxy: true)
        try await cluster.startAuth()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private var trustingTheProxy: [String: String] { ["SSL_CERT_FILE": cluster.proxyCAPath] }

    func testNodeConfiguredWithTheProxyAddressJoinsThroughItTrustingItBySSLCertFile() async throws {
        // Prerequisites: the cluster's version, read from the Proxy Service.
        let version = try Command.run(URL(fileURLWithPath: "/bin/sh"), [
            "-c", "curl -s https://\(cluster.proxyAddress)/v1/webapi/find | jq -r '.server_version'",
        ], environment: ["CURL_CA_BUNDLE": cluster.proxyCAPath])
        XCTAssertEqual(version.status, 0, version.combined)
        let serverVersion = version.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(serverVersion.isEmpty || serverVersion == "null", version.combined)

        // Step 2: a token, a config naming the proxy, and the process started from it.
        let add = try cluster.tctl(["tokens", "add", "--ttl=5m", "--type=node"])
        XCTAssertEqual(add.status, 0, add.combined)
        let token = try XCTUnwrap(add.stdout.split(separator: "\n").first?.replacingOccurrences(of: "The invite token: ", with: ""))
        let config = cluster.directory.appendingPathComponent("teleport.yaml").path
        let configure = try Command.run(ClusterProcesses.teleport, [
            "configure", "--roles=node", "--token=\(token)", "--proxy=\(cluster.proxyAddress)", "-o", config,
            "--data-dir=\(cluster.nodeDataDirectory("guide-node"))", "--node-name=guide-node",
        ])
        XCTAssertEqual(configure.status, 0, configure.combined)
        let yaml = try String(contentsOfFile: config, encoding: .utf8)
        XCTAssertTrue(yaml.contains("proxy_server: \(cluster.proxyAddress)"), yaml)
        XCTAssertFalse(yaml.contains("auth_server"), yaml)

        let node = try cluster.startNode("guide-node", ["-c", config], environment: trustingTheProxy)
        let listing = try await cluster.waitForNode("guide-node")
        XCTAssertTrue(listing.contains("guide-node"), "tctl nodes ls: \(listing)\nnode: \(node.output)")
        XCTAssertTrue(listing.contains(serverVersion), listing)
        // The node dialled only the proxy; the Auth server's address never reached it.
        let heartbeating = await node.waitForOutput("heartbeat")
        XCTAssertTrue(heartbeating, node.output)
        XCTAssertFalse(node.output.contains(cluster.authAddress), node.output)
        XCTAssertFalse(node.output.contains(token), "the token value must never be logged")
    }

    func testSSLCertFileReplacesTheSystemBundleSoAnUnrelatedBundleIsNotTrusted() async throws {
        let token = try cluster.addToken()
        // A bundle that exists but does not hold the proxy's CA: refused, and the message says
        // which bundle was used.
        let refused = try Command.run(ClusterProcesses.teleport, [
            "start", "--roles=node", "--token=\(token)", "--proxy=\(cluster.proxyAddress)",
            "--data-dir=\(cluster.nodeDataDirectory("wrong-bundle"))", "--nodename=wrong-bundle",
        ], environment: ["SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"], timeout: 30)
        XCTAssertNotEqual(refused.status, 0, refused.combined)
        XCTAssertTrue(refused.combined.contains("not trusted"), refused.combined)
        XCTAssertTrue(refused.combined.contains("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"), refused.combined)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cluster.nodeDataDirectory("wrong-bundle") + "/identity.json"))
    }

    func testProxyInvitedWithNodesAddStartsWithTheTokenAndPinAndAnswersPing() async throws {
        // Step 3: the guide's invitation for a new Proxy Service, and the command it prints.
        let add = try cluster.tctl(["nodes", "add", "--ttl=5m", "--roles=proxy"])
        XCTAssertEqual(add.status, 0, add.combined)
        let token = try XCTUnwrap(add.stdout.split(separator: "\n").first?.replacingOccurrences(of: "The invite token: ", with: ""))
        let pin = try cluster.caPin()
        XCTAssertTrue(add.stdout.contains("--roles=proxy"), add.stdout)
        XCTAssertTrue(add.stdout.contains("--ca-pin=\(pin)"), add.stdout)
        let listed = try cluster.tctl(["tokens", "ls"])
        XCTAssertTrue(listed.stdout.contains("Proxy"), listed.stdout)

        // The web address has no flag and its default (0.0.0.0:3080) is not for tests: a file
        // gives only that; the token, pin and Auth address stay on the command line.
        let webPort = FreePort.next()
        let config = cluster.directory.appendingPathComponent("new-proxy.yaml")
        try """
        version: v3
        proxy_service:
          web_listen_addr: 127.0.0.1:\(webPort)
        """.write(to: config, atomically: true, encoding: .utf8)
        let dataDirectory = cluster.nodeDataDirectory("new-proxy")
        let proxy = try cluster.startNode("new-proxy", [
            "-c", config.path, "--roles=proxy", "--token=\(token)", "--ca-pin=\(pin)", "--auth-server=\(cluster.authAddress)",
            "--data-dir=\(dataDirectory)", "--nodename=new-proxy",
        ])
        guard await proxy.waitForOutput("Proxy Service is listening") else {
            return XCTFail("the new Proxy Service did not start: \(proxy.output)")
        }

        let ping = try Command.run(URL(fileURLWithPath: "/usr/bin/curl"), [
            "-sS", "--fail", "--cacert", dataDirectory + "/proxy/webcert.pem", "https://127.0.0.1:\(webPort)/webapi/ping",
        ])
        XCTAssertEqual(ping.status, 0, ping.combined)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ping.stdout.utf8)) as? [String: Any], ping.stdout)
        XCTAssertEqual(document["cluster_name"] as? String, "it.example.com")
        XCTAssertFalse((document["server_version"] as? String ?? "").isEmpty, ping.stdout)
        XCTAssertFalse(proxy.output.contains(token), "the token value must never be logged")

        // It joined with its token as a Proxy, straight to the Auth server.
        let audit = try cluster.tctl(["audit", "ls", "--format=json"])
        let events = audit.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertTrue(events.contains {
            ($0["node_name"] as? String) == "new-proxy" && ($0["role"] as? String) == "Proxy" && ($0["success"] as? Bool) == true
        }, audit.stdout)
    }
}
