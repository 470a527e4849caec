import Agent
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import Server
import TestSupport
import Transport
import XCTest

/// The Auth server refuses heartbeats whose strings would reach an operator's terminal as
/// escapes or control characters, or exceed their bounds: over real gRPC and TLS, the node gets
/// `badParameter` naming the field (never echoing the value), and nothing is stored.
final class HeartbeatFieldsTests: XCTestCase {
    private var cluster: TestCluster!
    private var address: AuthAddress!
    private var identity: Identity!

    override func setUp() async throws {
        cluster = try await TestCluster()
        address = try await cluster.start()
        try await cluster.addToken("heartbeat-fields-token-0123456789", roles: [.node])
        identity = try await cluster.joinClient().join(JoinParameters(
            authServer: address, tokenName: "heartbeat-fields-token-0123456789", method: "token", role: .node,
            nodeName: "node-1", caPins: cluster.pins()))
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    /// Sends one heartbeat with `announcement`; returns the error, if any.
    private func beat(_ announcement: Heartbeater.Announcement) async throws -> JoinError? {
        let heartbeater = Heartbeater(identity: identity, authServers: [address], announcement: announcement,
                                      interval: .seconds(1), logger: .init(label: "test"))
        let transport = try AuthTransports.authenticated(address, certificatePEM: identity.tlsCertificate,
                                                         keyPEM: identity.tlsPrivateKey, trustedCAsPEM: identity.tlsCACertificates)
        do {
            _ = try await withGRPCClient(transport: transport) { try await heartbeater.beatOnce($0, to: self.address) }
            return nil
        } catch let error as JoinError {
            return error
        }
    }

    func testAHostnameWithATerminalEscapeIsRefusedAndNothingIsStored() async throws {
        let error = try await beat(.init(hostname: "evil\u{1B}]0;pwned\u{07}\u{1B}[2J", address: "", labels: [:]))
        XCTAssertEqual(error?.kind, .badParameter)
        let message = try XCTUnwrap(error?.message)
        XCTAssertTrue(message.contains("hostname"), message)
        XCTAssertTrue(message.contains("U+001B"), message)
        XCTAssertFalse(message.contains("\u{1B}") || message.contains("pwned"), "the value must not be echoed: \(message)")
        let listed = try await cluster.server.nodes.list()
        XCTAssertEqual(listed, [])
    }

    func testANewlineInALabelValueIsRefused() async throws {
        let error = try await beat(.init(hostname: "node-1", address: "", labels: ["env": "prod\nforged-host  uuid  1.2.3.4"]))
        XCTAssertEqual(error?.kind, .badParameter)
        XCTAssertTrue(error?.message.contains("label env") == true, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("U+000A") == true, error?.message ?? "")
        let listed = try await cluster.server.nodes.list()
        XCTAssertEqual(listed, [])
    }

    func testABidirectionalOverrideInTheAddressIsRefused() async throws {
        let error = try await beat(.init(hostname: "node-1", address: "10.0.0.1\u{202E}2203:", labels: [:]))
        XCTAssertEqual(error?.kind, .badParameter)
        XCTAssertTrue(error?.message.contains("addr") == true, error?.message ?? "")
    }

    func testOversizedFieldsAreRefusedNotTruncated() async throws {
        let longHost = String(repeating: "h", count: HeartbeatFields.maximumHostnameLength + 1)
        let hostError = try await beat(.init(hostname: longHost, address: "", labels: [:]))
        XCTAssertEqual(hostError?.kind, .badParameter)
        XCTAssertTrue(hostError?.message.contains("the limit is \(HeartbeatFields.maximumHostnameLength)") == true,
                      hostError?.message ?? "")
        let longValue = String(repeating: "v", count: HeartbeatFields.maximumLabelValueLength + 1)
        let labelError = try await beat(.init(hostname: "node-1", address: "", labels: ["k": longValue]))
        XCTAssertEqual(labelError?.kind, .badParameter)
        var many: [String: String] = [:]
        for index in 0...HeartbeatFields.maximumLabels { many["label-\(index)"] = "x" }
        let countError = try await beat(.init(hostname: "node-1", address: "", labels: many))
        XCTAssertEqual(countError?.kind, .badParameter)
        let listed = try await cluster.server.nodes.list()
        XCTAssertEqual(listed, [])
    }

    func testPrintableHeartbeatsAtTheLimitsAreStoredAsSent() async throws {
        let hostname = String(repeating: "n", count: HeartbeatFields.maximumHostnameLength)
        let labels = ["teleport.dev/origin": "config file", "région": "café ☕", "empty": ""]
        let error = try await beat(.init(hostname: hostname, address: "[::1]:3022", labels: labels))
        XCTAssertNil(error)
        let nodes = try await cluster.server.nodes.list()
        let node = try XCTUnwrap(nodes.first)
        XCTAssertEqual(node.hostname, hostname)
        XCTAssertEqual(node.address, "[::1]:3022")
        XCTAssertEqual(node.labels, labels)
    }
}
