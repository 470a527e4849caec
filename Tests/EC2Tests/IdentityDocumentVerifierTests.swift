@testable import EC2Join
import Foundation
import JoinCore
import XCTest

/// Spec §6.2 steps 1–2 against AWS's own signed documents (testdata README, aws-iid).
final class IdentityDocumentVerifierTests: XCTestCase {
    private func awsVerifier() throws -> IdentityDocumentVerifier {
        IdentityDocumentVerifier(certificates: try RegionCertificates())
    }

    // MARK: - Genuine documents

    func testGenuineDocumentsVerifyWithTheirRegionCertificate() throws {
        let verifier = try awsVerifier()
        for sample in GenuineIdentityDocumentSample.all {
            let document = try verifier.verify(try sample.encoded())
            XCTAssertEqual(document.accountId, sample.accountId, sample.name)
            XCTAssertEqual(document.region, sample.region, sample.name)
            XCTAssertEqual(document.instanceId, sample.instanceId, sample.name)
            XCTAssertEqual(document.pendingTime, RFC3339.parse(sample.pendingTime), sample.name)
            XCTAssertEqual(document.hostID, "\(sample.accountId)-\(sample.instanceId)", sample.name)
        }
    }

    func testVerifiedDocumentEqualsTheDocumentKeptBesideTheSample() throws {
        let verifier = try awsVerifier()
        for sample in GenuineIdentityDocumentSample.all {
            let expected = try InstanceIdentityDocument(json: try sample.documentJSON())
            XCTAssertEqual(try verifier.verify(try sample.encoded()), expected, sample.name)
        }
        let first = try XCTUnwrap(GenuineIdentityDocumentSample.all.first)
        let document = try verifier.verify(try first.encoded())
        XCTAssertEqual(document.availabilityZone, "us-west-2a")
        XCTAssertEqual(document.instanceType, "t2.medium")
        XCTAssertEqual(document.privateIp, "10.0.0.209")
        XCTAssertEqual(document.imageId, "ami-0fa9e1f64142cde17")
        XCTAssertEqual(document.architecture, "x86_64")
    }

    func testVerifiedContentIsTheExactSignedBytes() throws {
        let verifier = try awsVerifier()
        for sample in GenuineIdentityDocumentSample.all {
            let (content, certificate) = try verifier.verifiedContent(ofEncoded: try sample.encoded())
            XCTAssertEqual(content, try sample.documentJSON(), "no CRLF translation, no trailing newline: \(sample.name)")
            XCTAssertEqual(certificate.region, sample.region)
        }
    }

    func testBase64WithoutLineBreaksOrWithCRLFAndSpacesVerifies() throws {
        let verifier = try awsVerifier()
        let sample = GenuineIdentityDocumentSample.instance1
        let compact = try sample.der().base64EncodedString()
        XCTAssertEqual(try verifier.verify(Data(compact.utf8)).instanceId, sample.instanceId)
        let crlf = try sample.der().base64EncodedString(options: [.lineLength64Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        XCTAssertEqual(try verifier.verify(Data(("  " + crlf + "\r\n\t").utf8)).instanceId, sample.instanceId)
    }

    func testConcurrentVerificationsAllSucceed() throws {
        let verifier = try awsVerifier()
        let inputs = try GenuineIdentityDocumentSample.all.map { try $0.encoded() }
        let failures = ManagedAtomicCounter()
        DispatchQueue.concurrentPerform(iterations: 200) { index in
            let sample = GenuineIdentityDocumentSample.all[index % inputs.count]
            do {
                let document = try verifier.verify(inputs[index % inputs.count])
                if document.instanceId != sample.instanceId { failures.increment() }
            } catch {
                failures.increment()
            }
        }
        XCTAssertEqual(failures.value, 0)
    }

    // MARK: - Wrong certificate, tampering

    func testUSWest2DocumentAgainstTheUSWest1CertificateIsRejected() throws {
        let overrides = try temporaryDirectory()
        try FileManager.default.copyItem(at: GenuineIdentityDocumentSample.instance2.certificateURL,
                                         to: overrides.appendingPathComponent("us-west-2.pem"))
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates(overrideDirectory: overrides))
        assertAccessDenied(containing: "invalid signature") {
            _ = try verifier.verify(try GenuineIdentityDocumentSample.instance1.encoded())
        }
    }

    func testOneByteChangedInTheSignedContentIsRejected() throws {
        var der = try GenuineIdentityDocumentSample.instance1.der()
        let account = try XCTUnwrap(der.range(of: Data("278576220453".utf8)))
        der[account.lowerBound] = UInt8(ascii: "3")
        assertAccessDenied(containing: "invalid signature") {
            _ = try self.awsVerifier().verify(Data(der.base64EncodedString().utf8))
        }
    }

    func testChangingTheRegionInTheSignedContentIsRejected() throws {
        var der = try GenuineIdentityDocumentSample.instance1.der()
        let region = try XCTUnwrap(der.range(of: Data("\"region\" : \"us-west-2\"".utf8)))
        der[region.upperBound - 2] = UInt8(ascii: "1")
        assertAccessDenied(containing: "invalid signature") {
            _ = try self.awsVerifier().verify(Data(der.base64EncodedString().utf8))
        }
    }

    func testOneByteChangedInTheSignatureIsRejected() throws {
        var der = try GenuineIdentityDocumentSample.instance1.der()
        // The RSA-2048 signature is the last 256-byte OCTET STRING (04 82 01 00).
        let header = try XCTUnwrap(der.range(of: Data([0x04, 0x82, 0x01, 0x00]), options: .backwards))
        XCTAssertGreaterThanOrEqual(der.count - header.upperBound, 256)
        der[header.upperBound + 100] ^= 0x01
        assertAccessDenied(containing: "invalid signature") {
            _ = try self.awsVerifier().verify(Data(der.base64EncodedString().utf8))
        }
    }

    // MARK: - Malformed input never crashes

    func testEmptyInputIsUndecodable() throws {
        let verifier = try awsVerifier()
        assertAccessDenied(containing: "unable to decode Instance Identity Document") { _ = try verifier.verify(Data()) }
        assertAccessDenied(containing: "unable to decode Instance Identity Document") { _ = try verifier.verify(Data(" \n\r\n".utf8)) }
    }

    func testNonBase64IsUndecodable() throws {
        let verifier = try awsVerifier()
        for text in ["not base64 at all!", "MIAGCSqGSIb3DQEHAqCA***", "-----BEGIN PKCS7-----"] {
            assertAccessDenied(containing: "unable to decode Instance Identity Document") { _ = try verifier.verify(Data(text.utf8)) }
        }
    }

    func testBase64OfGarbageIsUndecodable() throws {
        let verifier = try awsVerifier()
        let garbage = [Data("hello, world".utf8), Data(repeating: 0, count: 300), Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) })]
        for bytes in garbage {
            assertAccessDenied(containing: "unable to decode Instance Identity Document") {
                _ = try verifier.verify(Data(bytes.base64EncodedString().utf8))
            }
        }
    }

    func testTruncatedDocumentsAreUndecodable() throws {
        let verifier = try awsVerifier()
        let der = try GenuineIdentityDocumentSample.instance1.der()
        for length in [1, 2, 4, 20, 100, der.count / 2, der.count - 2, der.count - 1] {
            assertAccessDenied(containing: "unable to decode Instance Identity Document", "truncated to \(length)") {
                _ = try verifier.verify(Data(der.prefix(length).base64EncodedString().utf8))
            }
        }
        let text = try GenuineIdentityDocumentSample.instance1.encoded()
        assertAccessDenied(containing: "unable to decode Instance Identity Document") {
            _ = try verifier.verify(text.prefix(text.count - 7))
        }
    }

    func testTrailingBytesAfterTheSignedDataAreUndecodable() throws {
        let der = try GenuineIdentityDocumentSample.instance1.der() + Data([0x00, 0x00, 0x05])
        assertAccessDenied(containing: "unable to decode Instance Identity Document") {
            _ = try self.awsVerifier().verify(Data(der.base64EncodedString().utf8))
        }
    }

    func testOversizedInputIsRefusedUnread() throws {
        let verifier = try awsVerifier()
        let oversized = Data(repeating: UInt8(ascii: "A"), count: IdentityDocumentVerifier.maximumEncodedSize + 4)
        assertAccessDenied(containing: "unable to decode Instance Identity Document") { _ = try verifier.verify(oversized) }
    }

    func testEveryPrefixOfAGenuineDocumentFailsCleanly() throws {
        let verifier = try awsVerifier()
        let der = try GenuineIdentityDocumentSample.instance2.der()
        for length in stride(from: 0, to: der.count, by: 7) {
            XCTAssertThrowsError(try verifier.verify(Data(der.prefix(length).base64EncodedString().utf8)))
        }
    }
}

/// A counter shared by concurrent closures.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
