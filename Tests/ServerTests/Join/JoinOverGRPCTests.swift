import Agent
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Server
import Transport
import X509
import TestSupport
import XCTest

/// Joins over real gRPC and TLS on 127.0.0.1: CA pins, the identity that comes back, heartbeats
/// with the issued certificate, and what an unauthenticated or non-admin caller may not do.
final class JoinOverGRPCTests: XCTestCase {
    private var cluster: TestCluster!
    private var address: AuthAddress!

    override func setUp() async throws {
        cluster = try await TestCluster()
        address = try await cluster.start()
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private func parameters(token: String, pins: [CAPin]? = nil, role: SystemRole = .node) -> JoinParameters {
        JoinParameters(authServer: address, tokenName: token, method: "token", role: role, nodeName: "node-1",
                       caPins: pins ?? cluster.pins())
    }

    func testNodeJoinsWithTokenAndCAPinThenHeartbeats() async throws {
        try await cluster.addToken("grpc-join-token-0123456789abcdef", roles: [.node])
        let identity = try await cluster.joinClient().join(parameters(token: "grpc-join-token-0123456789abcdef"))
        XCTAssertEqual(identity.clusterName, TestCluster.clusterName)
        XCTAssertNotNil(UUID(uuidString: identity.hostID))
        let certificate = try Certificate(pemEncoded: identity.tlsCertificate)
        let caller = try cluster.server.authorities.authenticate(certificate, now: Date())
        XCTAssertEqual(caller.hostID, identity.hostID)
        XCTAssertEqual(caller.role, .node)

        let heartbeater = Heartbeater(identity: identity, authServers: [address],
                                      announcement: .init(hostname: "node-1", address: "127.0.0.1:3022", labels: ["env": "test"]),
                                      interval: .seconds(1), logger: .init(label: "test"))
        let transport = try AuthTransports.authenticated(address, certificatePEM: identity.tlsCertificate,
                                                         keyPEM: identity.tlsPrivateKey, trustedCAsPEM: identity.tlsCACertificates)
        let ttl = try await withGRPCClient(transport: transport) { try await heartbeater.beatOnce($0, to: address) }
        XCTAssertEqual(ttl, Int64(NodeRegistry.defaultTTL))
        let nodes = try await cluster.server.nodes.list()
        XCTAssertEqual(nodes.map(\.hostID), [identity.hostID])
        XCTAssertEqual(nodes.first?.labels, ["env": "test"])
        XCTAssertEqual(nodes.first?.hostname, "node-1")
    }

    func testWrongPinIsRejectedBeforeTheTokenIsSent() async throws {
        try await cluster.addToken("pinned-token-0123456789abcdef01", roles: [.node])
        let wrong = try CAPin(parsing: "sha256:" + String(repeating: "ab", count: 32))
        do {
            _ = try await cluster.joinClient().join(parameters(token: "pinned-token-0123456789abcdef01", pins: [wrong]))
            XCTFail("a wrong pin must stop the join")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains("does not match any provided pin"), error.message)
            XCTAssertTrue(error.message.contains("tctl status"))
        }
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertTrue(events.isEmpty, "the join stream must never have been opened")
    }

    func testUnknownTokenOverGRPCIsAccessDenied() async throws {
        do {
            _ = try await cluster.joinClient().join(parameters(token: "never-issued-token-0123456789ab"))
            XCTFail("join with an unknown token succeeded")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .accessDenied)
            XCTAssertEqual(error.message, "token expired or not found")
        }
        let events = try await cluster.backend.auditEvents(limit: 10)
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?.remoteAddress.hasPrefix("127.0.0.1:"), true)
    }

    func testOversizedMessageIsRejectedByTheServer() async throws {
        try await cluster.addToken("oversize-token-0123456789abcdef", roles: [.node])
        let anonymous = try ThrowawayIdentity.make()
        let transport = try AuthTransports.authenticated(
            address, certificatePEM: anonymous.certificate, keyPEM: anonymous.key,
            trustedCAsPEM: [cluster.server.authorities.hostCATLSCertificatesPEM])
        var request = InMemoryJoinStream.clientInit(token: "oversize-token-0123456789abcdef")
        request.clientInit.methodPayload = Data(repeating: 7, count: 1_000_000)
        let oversized = request
        do {
            try await withGRPCClient(transport: transport) { client in
                let service = Joinery_V1_JoinService.Client(wrapping: client)
                try await service.join(request: StreamingClientRequest { writer in try await writer.write(oversized) }) { response in
                    for try await _ in response.messages {}
                }
            }
            XCTFail("a 1 MB message must be refused")
        } catch let error as RPCError {
            XCTAssertTrue([.resourceExhausted, .invalidArgument, .internalError, .unavailable].contains(error.code), "\(error)")
        }
        let nodes = try await cluster.server.nodes.list()
        XCTAssertTrue(nodes.isEmpty)
    }

    func testAdminCallsRefuseNodeAndAnonymousCertificates() async throws {
        try await cluster.addToken("admin-check-token-0123456789abc", roles: [.node])
        let identity = try await cluster.joinClient().join(parameters(token: "admin-check-token-0123456789abc"))
        let asNode = try AuthTransports.authenticated(address, certificatePEM: identity.tlsCertificate,
                                                      keyPEM: identity.tlsPrivateKey, trustedCAsPEM: identity.tlsCACertificates)
        await assertPermissionDenied(asNode)
        let anonymous = try ThrowawayIdentity.make()
        let asAnonymous = try AuthTransports.authenticated(address, certificatePEM: anonymous.certificate, keyPEM: anonymous.key,
                                                           trustedCAsPEM: identity.tlsCACertificates)
        await assertPermissionDenied(asAnonymous)
    }

    private func assertPermissionDenied(_ transport: HTTP2ClientTransport.Posix, file: StaticString = #filePath, line: UInt = #line) async {
        do {
            _ = try await withGRPCClient(transport: transport) { client in
                try await Joinery_V1_AdminService.Client(wrapping: client).listNodes(Joinery_V1_ListNodesRequest())
            }
            XCTFail("admin call succeeded", file: file, line: line)
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .permissionDenied, file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }
}

/// A self-signed certificate and key, like a process with no identity presents.
enum ThrowawayIdentity {
    static func make() throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("intruder") }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3600),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: .init(),
            issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }
}

import Crypto
