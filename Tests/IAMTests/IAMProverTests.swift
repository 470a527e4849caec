import AWSKit
import Foundation
@testable import IAMJoin
import JoinCore
import XCTest

/// The client half: the request it signs, the endpoint it picks, and what it refuses.
final class IAMProverTests: XCTestCase {
    private let challenge = String(repeating: "Ab9+/", count: 8) + "xyz"

    private func answer(region: String = "us-east-1", joinParams: JSONValue = .object([:]),
                        credentials: AWSCredentials = IAMHarness.testCredentials) async throws -> SignedHTTPRequest {
        let prover = try IAMHarness.prover(credentials: credentials, region: region, joinParams: joinParams)
        let bytes = try await prover.answer(Data(challenge.utf8), for: IAMHarness.keys.proof(token: "t", role: .node, nodeName: "n"))
        return try SignedHTTPRequest.parse(Array(bytes))
    }

    func testSignedRequestHasTheShapeTheServerChecks() async throws {
        let request = try await answer(credentials: AWSCredentials(accessKeyID: "ASIAX", secretAccessKey: "s3cr3t-value", sessionToken: "tok"))
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.target, "/")
        XCTAssertEqual(request.header("Host"), "sts.us-east-1.amazonaws.com")
        XCTAssertEqual(request.header("Accept"), "application/json")
        XCTAssertEqual(request.header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8")
        XCTAssertEqual(request.header("X-Teleport-Challenge"), challenge)
        XCTAssertEqual(request.header("X-Joinery-Key-Binding"), IAMHarness.keys.binding.text)
        XCTAssertEqual(String(decoding: request.body, as: UTF8.self), "Action=GetCallerIdentity&Version=2011-06-15")
        let authorization = try SigV4Authorization(parsing: try XCTUnwrap(request.header("Authorization")))
        XCTAssertEqual(authorization.scope.service, "sts")
        XCTAssertEqual(authorization.scope.region, "us-east-1")
        XCTAssertEqual(authorization.signedHeaderNames,
                       ["accept", "content-length", "content-type", "host", "x-amz-date", "x-amz-security-token", "x-joinery-key-binding",
                        "x-teleport-challenge"])
    }

    func testRegionalEndpointFollowsTheRegion() async throws {
        let request = try await answer(region: "eu-west-2")
        XCTAssertEqual(request.header("Host"), "sts.eu-west-2.amazonaws.com")
        let china = try await answer(region: "cn-north-1")
        XCTAssertEqual(china.header("Host"), "sts.cn-north-1.amazonaws.com.cn")
    }

    func testFIPSEndpoints() throws {
        XCTAssertEqual(try STSEndpointChoice(region: "us-west-2", fips: true).host, "sts-fips.us-west-2.amazonaws.com")
        XCTAssertEqual(try STSEndpointChoice(region: "us-gov-west-1", fips: true).host, "sts.us-gov-west-1.amazonaws.com")
        let moved = try STSEndpointChoice(region: "eu-west-1", fips: true)
        XCTAssertEqual(moved.host, "sts-fips.us-east-1.amazonaws.com")
        XCTAssertEqual(moved.signingRegion, "us-east-1")
        XCTAssertTrue(moved.movedForFIPS)
        XCTAssertThrowsError(try STSEndpointChoice(region: "evil.example/", fips: false))
    }

    func testFIPSFromJoinParamsAndEnvironment() async throws {
        let request = try await answer(region: "us-east-2", joinParams: .object(["iam": .object(["fips": .bool(true)])]))
        XCTAssertEqual(request.header("Host"), "sts-fips.us-east-2.amazonaws.com")
        XCTAssertTrue(try IAMProverSettings(section: nil, field: "teleport.join_params.iam", environment: ["TELEPORT_FIPS": "1"]).fips)
        XCTAssertThrowsError(try IAMProverSettings(section: .object(["fisp": .bool(true)]), field: "teleport.join_params.iam",
                                                   environment: [:])) { error in
            XCTAssertEqual((error as? JoinError)?.message, "unknown field \"teleport.join_params.iam.fisp\"")
        }
        let registry = JoinMethodRegistry(plugins: [.iam])
        XCTAssertThrowsError(try registry.checkJoinParams(["iam": .object(["fisp": .bool(true)])], at: ["teleport", "join_params"])) { error in
            XCTAssertEqual((error as? JoinError)?.message, "unknown field \"teleport.join_params.iam.fisp\"")
        }
        XCTAssertThrowsError(try registry.checkJoinParams(["azure": .object([:])], at: ["teleport", "join_params"])) { error in
            XCTAssertEqual((error as? JoinError)?.message, "unknown field \"teleport.join_params.azure\"")
        }
        XCTAssertNoThrow(try registry.checkJoinParams(["iam": .object(["fips": .bool(false)])], at: ["teleport", "join_params"]))
    }

    func testChallengeThatCouldInjectHeadersIsRefused() async throws {
        let prover = try IAMHarness.prover(credentials: IAMHarness.testCredentials)
        do {
            _ = try await prover.answer(Data("abc\r\nHost: evil.example".utf8), for: IAMHarness.keys.proof(token: "t", role: .node, nodeName: "n"))
            XCTFail("signed a hostile challenge")
        } catch let error as JoinError {
            XCTAssertTrue(error.message.contains("not base64 text"), error.message)
        }
    }
}
