import AWSKit
import Foundation
@testable import IAMJoin
import JoinCore
import XCTest

/// Every host of `sts-hosts.txt` (Teleport's TestValidateSTSHost data) gets its verdict with
/// and without FIPS, through the whole method: an accepted host is forwarded (to the local
/// listener standing in for `AWS_ENDPOINT_URL_STS`, with the signed Host kept), a rejected one
/// causes no connection at all.
final class STSHostAllowListTests: XCTestCase {
    private var listener: FakeSTS!

    override func setUp() async throws {
        listener = try await FakeSTS(.refuse)
    }

    override func tearDown() async throws {
        await listener?.stop()
    }

    func testBundledListLoadsAndHoldsEveryValidHostOfTheSharedData() throws {
        let list = try STSHostAllowList.bundled.get()
        for item in try STSHostFixture.cases() {
            switch item.verdict {
            case "valid": XCTAssertTrue(list.allows(item.host, fipsOnly: false) && !list.allows(item.host, fipsOnly: true), item.host)
            case "valid-fips": XCTAssertTrue(list.allows(item.host, fipsOnly: true), item.host)
            default: XCTAssertFalse(list.isListed(item.host), item.host)
            }
        }
        XCTAssertTrue(list.allows("sts.amazonaws.com", fipsOnly: false))
        XCTAssertEqual(Set(list.fipsHosts), ["sts-fips.us-east-1.amazonaws.com", "sts-fips.us-east-2.amazonaws.com",
                                              "sts-fips.us-west-1.amazonaws.com", "sts-fips.us-west-2.amazonaws.com",
                                              "sts.us-gov-east-1.amazonaws.com", "sts.us-gov-west-1.amazonaws.com"])
    }

    func testEveryHostGetsItsVerdictWithAndWithoutFIPS() async throws {
        let cases = try STSHostFixture.cases()
        XCTAssertGreaterThan(cases.count, 50)
        let token = IAMHarness.token(allow: [AWSAllowRule(awsAccount: IAMHarness.account)])
        for fips in [false, true] {
            let method = try IAMHarness.method(sts: listener.url, fips: fips)
            for item in cases {
                let accepted = item.verdict == "valid-fips" || (item.verdict == "valid" && !fips)
                let before = listener.connections
                let requestsBefore = listener.hosts.count
                let exchange = ScriptedExchange { challenge in
                    var shape = IAMHarness.RequestShape()
                    shape.host = item.host
                    return Data(try IAMHarness.signedRequest(challenge: challenge, shape))
                }
                let label = "\(item.host) fips=\(fips)"
                if accepted {
                    // Forwarded: the listener answers 500, so the join fails at the STS status.
                    await attestFails(method, IAMHarness.attempt(token), over: exchange,
                                      containing: "aws sts api returned status: \"500 Internal Server Error\"")
                    // HTTPClient reuses its connection, so count requests, not connections.
                    let requests = await listener.waitForRequests(requestsBefore + 1)
                    XCTAssertEqual(requests, requestsBefore + 1, label)
                    XCTAssertEqual(listener.hosts.last, item.host, "the signed Host header must be kept: \(label)")
                } else {
                    let expected = item.verdict == "invalid" ? "unknown STS host \"\(item.host)\"" : "node selected non-FIPS STS endpoint \"\(item.host)\""
                    await attestFails(method, IAMHarness.attempt(token), over: exchange, containing: expected)
                    XCTAssertEqual(listener.connections, before, "rejected host caused a connection: \(label)")
                    XCTAssertEqual(listener.hosts.count, requestsBefore, "rejected host caused a request: \(label)")
                }
            }
        }
    }

    func testListFormatIsStrict() {
        XCTAssertThrowsError(try STSHostAllowList(text: "sts.amazonaws.com gov\n", origin: "t"))
        XCTAssertThrowsError(try STSHostAllowList(text: "STS.amazonaws.com\n", origin: "t"))
        XCTAssertThrowsError(try STSHostAllowList(text: "# only comments\n", origin: "t"))
        XCTAssertNoThrow(try STSHostAllowList(text: "sts.amazonaws.com # global\nsts-fips.us-east-1.amazonaws.com fips\n", origin: "t"))
    }
}
