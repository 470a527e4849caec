import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore
import TestSupport
import XCTest

/// What the query client does with answers that are not a clean AWS response: malformed XML,
/// bodies over the size limit, error pages that are not AWS error documents, and an error
/// that echoes the request's secrets.
final class QueryResponseHandlingTests: XCTestCase {
    private var peer: FakeHTTPPeer!
    private var httpClient: HTTPClient!
    private let credentials = AWSCredentials(accessKeyID: "AKIDRESPONSETEST", secretAccessKey: "response-test-secret",
                                             sessionToken: "response-test-session-token")

    override func setUp() async throws {
        peer = try await FakeHTTPPeer()
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    override func tearDown() async throws {
        await peer?.stop()
        try? await httpClient?.shutdown()
    }

    private func ec2(path: String) throws -> EC2Client {
        try EC2Client(httpClient: httpClient, region: "us-east-1", credentials: credentials,
                      environment: ["AWS_ENDPOINT_URL_EC2": peer.url.absoluteString + path])
    }

    private func expectJoinError(_ kind: JoinError.Kind, containing fragments: [String],
                                 _ call: () async throws -> Void, line: UInt = #line) async {
        do {
            try await call()
            XCTFail("expected a JoinError", line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, kind, line: line)
            for fragment in fragments { XCTAssertTrue(error.message.contains(fragment), error.message, line: line) }
            XCTAssertFalse(error.message.contains("response-test-secret"), line: line)
        } catch {
            XCTFail("expected a JoinError, got \(error)", line: line)
        }
    }

    func testMalformedXMLIsAClearError() async throws {
        await expectJoinError(.unavailable, containing: ["DescribeInstances", "does not parse"]) {
            _ = try await self.ec2(path: "/malformed-xml").describeInstance(id: "i-0123456789abcdef0")
        }
    }

    func testAResponseDeclaredLargerThanTheLimitIsRefused() async throws {
        await expectJoinError(.unavailable, containing: ["1 MiB"]) {
            _ = try await self.ec2(path: "/oversized-declared").describeInstance(id: "i-0123456789abcdef0")
        }
    }

    func testAStreamedResponseLargerThanTheLimitIsCutOff() async throws {
        await expectJoinError(.unavailable, containing: ["larger than the 1 MiB"]) {
            _ = try await self.ec2(path: "/oversized-streamed").describeInstance(id: "i-0123456789abcdef0")
        }
    }

    func testANonXMLErrorBodyIsAClearErrorWithTheStatus() async throws {
        await expectJoinError(.unavailable, containing: ["HTTP 503", "not an AWS error document", "upstream connect error"]) {
            _ = try await self.ec2(path: "/plain-error").describeInstance(id: "i-0123456789abcdef0")
        }
    }

    func testAnErrorEchoingTheRequestNeverCarriesTheTokenOrSignature() async throws {
        let sts = try STSClient(httpClient: httpClient, region: "us-east-1", credentials: credentials,
                                environment: ["AWS_ENDPOINT_URL_STS": peer.url.absoluteString + "/echo-error"])
        do {
            _ = try await sts.getCallerIdentity()
            XCTFail("expected an AWS error")
        } catch let error as AWSServiceError {
            XCTAssertEqual(error.code, "SignatureDoesNotMatch")
            XCTAssertEqual(error.status, 403)
            XCTAssertEqual(error.requestID, "req-1")
            XCTAssertFalse(error.message.contains("response-test-session-token"), error.message)
            XCTAssertFalse(error.message.range(of: "Signature=[0-9a-f]{64}", options: .regularExpression) != nil, error.message)
            XCTAssertTrue(error.message.contains("AKIDRESPONSETEST"), "the key ID is not secret and helps: \(error.message)")
        }
    }

    func testAnUnreachableEndpointNamesTheService() async throws {
        let closedPort = FreePort.next()
        let ec2 = try EC2Client(httpClient: httpClient, region: "us-east-1", credentials: credentials,
                                environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:\(closedPort)"],
                                options: AWSRequestOptions(timeout: .seconds(2)))
        await expectJoinError(.unavailable, containing: ["cannot reach AWS EC2 at http://127.0.0.1:\(closedPort)"]) {
            _ = try await ec2.describeInstance(id: "i-0123456789abcdef0")
        }
    }

    func testAMalformedInstanceIDIsRefusedBeforeAnyCall() async throws {
        await expectJoinError(.badParameter, containing: ["not an EC2 instance ID"]) {
            _ = try await self.ec2(path: "/plain-error").describeInstance(id: "i-123&Action=TerminateInstances")
        }
    }
}
