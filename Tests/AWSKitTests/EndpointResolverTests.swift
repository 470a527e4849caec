import AWSKit
import Foundation
import JoinCore
import XCTest

/// `AWS_ENDPOINT_URL_<SERVICE>` over `AWS_ENDPOINT_URL` over the public endpoint.
final class EndpointResolverTests: XCTestCase {
    func testDefaultEndpointsFollowTheRegionAndPartition() throws {
        let resolver = AWSEndpointResolver(environment: [:])
        XCTAssertEqual(try resolver.endpoint(for: .ec2, region: "us-west-2").absoluteString, "https://ec2.us-west-2.amazonaws.com")
        XCTAssertEqual(try resolver.endpoint(for: .sts, region: "eu-west-1").absoluteString, "https://sts.eu-west-1.amazonaws.com")
        XCTAssertEqual(try resolver.endpoint(for: .ec2, region: "cn-north-1").absoluteString, "https://ec2.cn-north-1.amazonaws.com.cn")
    }

    func testServiceSpecificVariableOverridesTheGeneralOne() throws {
        let resolver = AWSEndpointResolver(environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
                                                         "AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:6000"])
        XCTAssertEqual(try resolver.endpoint(for: .ec2, region: "us-east-1").absoluteString, "http://127.0.0.1:6000")
        XCTAssertEqual(try resolver.endpoint(for: .sts, region: "us-east-1").absoluteString, "http://127.0.0.1:5000")
        let stsOnly = AWSEndpointResolver(environment: ["AWS_ENDPOINT_URL_STS": "https://sts.example.internal"])
        XCTAssertEqual(try stsOnly.endpoint(for: .sts, region: "us-east-1").absoluteString, "https://sts.example.internal")
        XCTAssertEqual(try stsOnly.endpoint(for: .ec2, region: "us-east-1").absoluteString, "https://ec2.us-east-1.amazonaws.com")
    }

    func testConfiguredEndpointsCanBeIgnored() throws {
        let resolver = AWSEndpointResolver(environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"])
        XCTAssertEqual(try resolver.endpoint(for: .ec2, region: "us-east-1").absoluteString, "https://ec2.us-east-1.amazonaws.com")
    }

    func testAMalformedOverrideNamesTheVariable() {
        XCTAssertThrowsError(try AWSEndpointResolver(environment: ["AWS_ENDPOINT_URL_EC2": "ftp://x"]).endpoint(for: .ec2, region: "us-east-1")) { error in
            XCTAssertTrue("\(error)".contains("AWS_ENDPOINT_URL_EC2"))
        }
    }

    func testARegionThatCouldChangeTheHostIsRefused() {
        for region in ["us-east-1.evil.com", "us-east-1/x", "", "US-EAST-1", "us-east-1@evil"] {
            XCTAssertThrowsError(try AWSEndpointResolver(environment: [:]).endpoint(for: .sts, region: region), region)
        }
    }
}
