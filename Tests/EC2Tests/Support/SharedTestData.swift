import Foundation
import XCTest

/// The real AWS data in `../shared/testdata/aws-iid/`, read in place (CI has `shared/` beside
/// the clone). Paths are found from this file, so the tests do not depend on the working folder.
enum SharedTestData {
    /// `<repo>/../shared/testdata/aws-iid`.
    static let awsIID: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent() // Support
        .deletingLastPathComponent() // EC2Tests
        .deletingLastPathComponent() // Tests
        .deletingLastPathComponent() // repo root
        .appendingPathComponent("../shared/testdata/aws-iid", isDirectory: true)
        .standardizedFileURL

    static let teleportSamples = awsIID.appendingPathComponent("teleport-rsa2048-2021", isDirectory: true)
    static let regionCertificates = awsIID.appendingPathComponent("aws-region-certs/rsa2048", isDirectory: true)

    static func read(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            XCTFail("missing shared test data \(url.path): \(error)", file: file, line: line)
            throw error
        }
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
        try SharedTestData.read(SharedTestData.teleportSamples.appendingPathComponent("\(name).rsa2048.b64"))
    }

    /// The PKCS#7 bytes (BER, indefinite lengths).
    func der() throws -> Data {
        let text = String(decoding: try encoded(), as: UTF8.self).filter { !$0.isWhitespace }
        return try XCTUnwrap(Data(base64Encoded: text))
    }

    /// The JSON document AWS signed, as kept beside the sample.
    func documentJSON() throws -> Data {
        try SharedTestData.read(SharedTestData.teleportSamples.appendingPathComponent("\(name).document.json"))
    }

    /// AWS's certificate for the sample's region, as kept beside the sample.
    var certificateURL: URL {
        SharedTestData.teleportSamples.appendingPathComponent("aws-rsa2048-\(region).pem")
    }
}
