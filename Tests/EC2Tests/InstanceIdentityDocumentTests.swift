import EC2Join
import Foundation
import JoinCore
import XCTest

/// The document's JSON shape: AWS's keys, new keys ignored, the four facts required.
final class InstanceIdentityDocumentTests: XCTestCase {
    func testGenuineDocumentJSONDecodes() throws {
        let document = try InstanceIdentityDocument(json: try GenuineIdentityDocumentSample.instance2.documentJSON())
        XCTAssertEqual(document.accountId, "883474662888")
        XCTAssertEqual(document.region, "us-west-1")
        XCTAssertEqual(document.instanceId, "i-01b940c45fd11fe74")
        XCTAssertEqual(document.pendingTime, RFC3339.parse("2021-09-11T00:14:18Z"))
        XCTAssertEqual(document.availabilityZone, "us-west-1c")
        XCTAssertEqual(document.instanceType, "t2.micro")
        XCTAssertEqual(document.version, "2017-09-30")
        XCTAssertEqual(document.hostID, "883474662888-i-01b940c45fd11fe74")
    }

    func testEncodingRoundTrips() throws {
        let document = try InstanceIdentityDocument(json: try GenuineIdentityDocumentSample.instance1.documentJSON())
        XCTAssertEqual(try InstanceIdentityDocument(json: try JSONEncoder().encode(document)), document)
    }

    func testMissingRequiredFactIsUndecodable() throws {
        for key in ["accountId", "region", "instanceId", "pendingTime"] {
            var fields: [String: String] = ["accountId": "1", "region": "us-west-2", "instanceId": "i-1", "pendingTime": "2026-03-01T12:00:00Z"]
            fields[key] = nil
            let json = try JSONEncoder().encode(fields)
            let error = assertAccessDenied(containing: "unable to decode Instance Identity Document", key) {
                _ = try InstanceIdentityDocument(json: json)
            }
            XCTAssertTrue(error?.message.contains(key) == true, error?.message ?? "")
        }
    }

    func testWrongTypeIsUndecodable() {
        let json = Data(#"{"accountId":278576220453,"region":"us-west-2","instanceId":"i-1","pendingTime":"2026-03-01T12:00:00Z"}"#.utf8)
        assertAccessDenied(containing: "unable to decode Instance Identity Document") { _ = try InstanceIdentityDocument(json: json) }
    }
}
