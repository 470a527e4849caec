import Foundation
import TestSupport
import XCTest

/// The real AWS data in `Tests/Fixtures/aws-iid/` (where it came from: `Tests/Fixtures/README.md`).
/// A missing file fails the test with its path under `Tests/Fixtures`.
enum AWSIIDFixtures {
    /// The two genuine rsa2048 documents Teleport's tests use, with their region certificates.
    static let teleportSamples = "aws-iid/teleport-rsa2048-2021"

    /// AWS's published rsa2048 certificates, `<region>.pem` for each region.
    static func regionCertificates() throws -> URL {
        try Fixtures.url("aws-iid/aws-region-certs/rsa2048")
    }
}

/// One of the two genuine AWS-signed rsa2048 documents Teleport's tests use (spec §6.4).
struct GenuineIdentityDocumentSample {
    let name: String
    let region: String
    let accountId: String
    let instanceId: String
    let pendingTime: String

    static let instance1 = GenuineIdentityDocumentSample(
        name: "instance1-us-west-2", region: "us-west-2", accountId: "278576220453",
        instanceId: "i-078517ca8a70a1dde", pendingTime: "2021-09-03T21:25:44Z")
    static let instance2 = GenuineIdentityDocumentSample(
        name: "instance2-us-west-1", region: "us-west-1", accountId: "883474662888",
        instanceId: "i-01b940c45fd11fe74", pendingTime: "2021-09-11T00:14:18Z")
    static let all = [instance1, instance2]

    /// The base64 text exactly as IMDS served it (wrapped in lines).
    func encoded() throws -> Data {
        try Fixtures.data("\(AWSIIDFixtures.teleportSamples)/\(name).rsa2048.b64")
    }

    /// The PKCS#7 bytes (BER, indefinite lengths).
    func der() throws -> Data {
        let text = String(decoding: try encoded(), as: UTF8.self).filter { !$0.isWhitespace }
        return try XCTUnwrap(Data(base64Encoded: text))
    }

    /// The JSON document AWS signed, as kept beside the sample.
    func documentJSON() throws -> Data {
        try Fixtures.data("\(AWSIIDFixtures.teleportSamples)/\(name).document.json")
    }

    /// AWS's certificate for the sample's region, as kept beside the sample.
    var certificateURL: URL {
        get throws { try Fixtures.url("\(AWSIIDFixtures.teleportSamples)/aws-rsa2048-\(region).pem") }
    }
}
