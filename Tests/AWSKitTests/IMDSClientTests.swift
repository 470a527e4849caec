@testable import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore
import TestSupport
import XCTest

/// The IMDSv2 client against a small HTTP server that, like the real service, refuses GETs
/// without a valid session token.
final class IMDSClientTests: XCTestCase {
    private var peer: FakeHTTPPeer!
    private var httpClient: HTTPClient!

    override func setUp() async throws {
        peer = try await FakeHTTPPeer()
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    override func tearDown() async throws {
        await peer?.stop()
        try? await httpClient?.shutdown()
    }

    private var environment: [String: String] { ["AWS_EC2_METADATA_SERVICE_ENDPOINT": peer.url.absoluteString] }

    private func stats() async throws -> [String: Any] {
        let response = try await httpClient.execute(HTTPClientRequest(url: peer.url.absoluteString + "/test/stats"), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 16)
        return try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as! [String: Any]
    }

    func testAGetWithoutATokenIsRefusedAndTheClientSendsOne() async throws {
        let bare = try await httpClient.execute(HTTPClientRequest(url: peer.url.absoluteString + "/latest/meta-data/instance-id"), timeout: .seconds(5))
        XCTAssertEqual(bare.status.code, 401)
        let before = try await stats()
        XCTAssertEqual(before["refused_without_token"] as? Int, 1)

        let imds = try IMDSClient(httpClient: httpClient, environment: environment)
        let instanceID = try await imds.get(path: "/latest/meta-data/instance-id")
        XCTAssertEqual(instanceID, "i-0123456789abcdef0")
        _ = try await imds.get(path: "/latest/meta-data/instance-id")
        let after = try await stats()
        XCTAssertEqual(after["refused_without_token"] as? Int, 1, "the client never sent a GET without the token")
        XCTAssertEqual(after["token_requests"] as? Int, 1, "the session token is reused")
    }

    func testTheRSA2048IdentityDocumentIsFetched() async throws {
        let imds = try IMDSClient(httpClient: httpClient, environment: environment)
        let document = try await imds.instanceIdentityDocumentRSA2048()
        XCTAssertEqual(document, FakeHTTPPeer.rsa2048Document)
    }

    func testARejectedTokenIsReplacedOnce() async throws {
        let imds = try IMDSClient(httpClient: httpClient, environment: environment)
        _ = try await imds.get(path: "/latest/meta-data/instance-id")
        _ = try await httpClient.execute(HTTPClientRequest(url: peer.url.absoluteString + "/test/rotate-token"), timeout: .seconds(5))
        let instanceID = try await imds.get(path: "/latest/meta-data/instance-id")
        XCTAssertEqual(instanceID, "i-0123456789abcdef0")
        let after = try await stats()
        XCTAssertEqual(after["token_requests"] as? Int, 2)
    }

    func testAMissingPathIsNotFound() async throws {
        let imds = try IMDSClient(httpClient: httpClient, environment: environment)
        do {
            _ = try await imds.get(path: "/latest/meta-data/no-such-thing")
            XCTFail("expected notFound")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .notFound)
        }
    }

    func testAnOversizedAnswerIsRefused() async throws {
        let imds = try IMDSClient(httpClient: httpClient, environment: environment)
        do {
            _ = try await imds.get(path: "/latest/meta-data/huge")
            XCTFail("expected a size error")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .unavailable)
            XCTAssertTrue(error.message.contains("64 KiB"), error.message)
        }
    }

    func testAnUnreachableServiceFailsQuicklyWithAClearMessage() async throws {
        let closedPort = FreePort.next()
        let imds = try IMDSClient(httpClient: httpClient, environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(closedPort)"])
        let started = Date()
        do {
            _ = try await imds.instanceIdentityDocumentRSA2048()
            XCTFail("expected unavailable")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .unavailable)
            XCTAssertTrue(error.message.contains("cannot reach the EC2 instance metadata service at http://127.0.0.1:\(closedPort)"), error.message)
            XCTAssertTrue(error.message.contains("Is this an EC2 instance?"), error.message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testInstanceRoleCredentialsComeFromTheMetadataServiceLastInTheChain() async throws {
        let imds = try IMDSClient(httpClient: httpClient, environment: environment)
        let home = try TestPaths.temporaryDirectory("imds-home")
        defer { try? FileManager.default.removeItem(at: home) }
        let chain = AWSCredentialChain.standard(environment: ["HOME": home.path], imds: imds)
        let credentials = try await chain.resolve()
        XCTAssertEqual(credentials.accessKeyID, FakeHTTPPeer.roleAccessKeyID)
        XCTAssertEqual(credentials.secretAccessKey, FakeHTTPPeer.roleSecret)
        XCTAssertEqual(credentials.sessionToken, FakeHTTPPeer.roleToken)
        XCTAssertEqual(credentials.expiration, RFC3339.parse("2030-01-01T00:00:00Z"))

        let fromEnvironment = try await AWSCredentialChain.standard(
            environment: ["HOME": home.path, "AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "envsecret"], imds: imds).resolve()
        XCTAssertEqual(fromEnvironment.accessKeyID, "ENV")
    }

    func testAnUnreachableMetadataServiceLeavesTheChainEmptyWithTheReason() async throws {
        let closedPort = FreePort.next()
        let imds = IMDSClient(httpClient: httpClient, endpoint: URL(string: "http://127.0.0.1:\(closedPort)")!)
        let home = try TestPaths.temporaryDirectory("imds-home")
        defer { try? FileManager.default.removeItem(at: home) }
        do {
            _ = try await AWSCredentialChain.standard(environment: ["HOME": home.path], imds: imds).resolve()
            XCTFail("expected notFound")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .notFound)
            XCTAssertTrue(error.message.contains("instance metadata service"), error.message)
        }
    }
}
