import EC2Join
import Foundation
import JoinCore
import XCTest

/// Documents signed by a private CA installed through `auth_service.aws.ec2_certificates_dir`:
/// the path the end-to-end tests (fake IMDS) and private clouds take. Also the forgeries a
/// private key that AWS never certified must not get through.
final class TestCASignedDocumentTests: XCTestCase {
    private let pendingTime = RFC3339.parse("2026-03-01T12:00:00Z")!

    func testDocumentSignedByTheTestCAVerifiesWhenItsCertificateReplacesTheRegion() throws {
        let signer = try TestIdentityDocumentSigner()
        let folder = try signer.makeCertificatesDirectory(regions: ["us-west-2"])
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates(overrideDirectory: folder))
        let original = TestIdentityDocumentSigner.document(accountId: "123456789012", region: "us-west-2",
                                                            instanceId: "i-0a1b2c3d4e5f60718", pendingTime: pendingTime)

        let verified = try verifier.verify(try signer.sign(original))

        XCTAssertEqual(verified, original)
        XCTAssertEqual(verified.hostID, "123456789012-i-0a1b2c3d4e5f60718")
    }

    func testDocumentSignedByTheTestCAVerifiesForANewRegion() throws {
        let signer = try TestIdentityDocumentSigner()
        let folder = try signer.makeCertificatesDirectory(regions: ["xx-test-1"])
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates(overrideDirectory: folder))

        let verified = try verifier.verify(try signer.sign(TestIdentityDocumentSigner.document(region: "xx-test-1", pendingTime: pendingTime)))

        XCTAssertEqual(verified.region, "xx-test-1")
    }

    func testDocumentSignedByTheTestCAIsRejectedByAWSsCertificate() throws {
        let signer = try TestIdentityDocumentSigner()
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates())
        let encoded = try signer.sign(TestIdentityDocumentSigner.document(region: "us-west-2", pendingTime: pendingTime))

        assertAccessDenied(containing: "invalid signature") { _ = try verifier.verify(encoded) }
    }

    func testDocumentCarryingItsOwnSignerCertificateIsRejected() throws {
        // PKCS7_verify would find the signer among embedded certificates unless PKCS7_NOINTERN
        // is set, and PKCS7_NOVERIFY skips any chain check: a forger's self-made certificate.
        let forger = try TestIdentityDocumentSigner(commonName: "forger")
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates())
        let forged = try forger.sign(
            try TestIdentityDocumentSigner.awsStyleJSON(TestIdentityDocumentSigner.document(region: "us-west-2", pendingTime: pendingTime)),
            embedCertificate: true)

        assertAccessDenied(containing: "invalid signature") { _ = try verifier.verify(forged) }
    }

    func testDocumentSignedByAnotherTestCAIsRejected() throws {
        let trusted = try TestIdentityDocumentSigner(commonName: "trusted")
        let other = try TestIdentityDocumentSigner(commonName: "other")
        let folder = try trusted.makeCertificatesDirectory(regions: ["us-east-1"])
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates(overrideDirectory: folder))

        assertAccessDenied(containing: "invalid signature") {
            _ = try verifier.verify(try other.sign(TestIdentityDocumentSigner.document(region: "us-east-1", pendingTime: self.pendingTime)))
        }
    }

    func testDetachedSignatureIsUndecodable() throws {
        let signer = try TestIdentityDocumentSigner()
        let folder = try signer.makeCertificatesDirectory(regions: ["us-west-2"])
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates(overrideDirectory: folder))
        let json = try TestIdentityDocumentSigner.awsStyleJSON(TestIdentityDocumentSigner.document(pendingTime: pendingTime))

        assertAccessDenied(containing: "unable to decode Instance Identity Document") {
            _ = try verifier.verify(try signer.sign(json, detached: true))
        }
    }

    func testSignedContentThatIsNotAnIdentityDocumentIsUndecodable() throws {
        let signer = try TestIdentityDocumentSigner()
        let folder = try signer.makeCertificatesDirectory(regions: ["us-west-2"])
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates(overrideDirectory: folder))
        let contents = [
            "plain text, not JSON",
            #"{"accountId":"1","instanceId":"i-1","pendingTime":"2026-03-01T12:00:00Z"}"#,
            #"{"region":"us-west-2","instanceId":"i-1","pendingTime":"2026-03-01T12:00:00Z"}"#,
            #"{"accountId":"1","region":"us-west-2","instanceId":"i-1","pendingTime":"yesterday"}"#,
            #"{"accountId":"1","region":"us-west-2","instanceId":"","pendingTime":"2026-03-01T12:00:00Z"}"#,
        ]
        for content in contents {
            assertAccessDenied(containing: "unable to decode Instance Identity Document", content) {
                _ = try verifier.verify(try signer.sign(Data(content.utf8)))
            }
        }
    }

    func testUnknownRegionInASignedDocumentNamesTheRegionAndTheSetting() throws {
        let signer = try TestIdentityDocumentSigner()
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates())
        let encoded = try signer.sign(TestIdentityDocumentSigner.document(region: "xx-east-9", pendingTime: pendingTime))

        let error = assertAccessDenied(containing: #"unsupported EC2 region "xx-east-9""#) { _ = try verifier.verify(encoded) }
        XCTAssertTrue(error?.message.contains("auth_service.aws.ec2_certificates_dir") == true, error?.message ?? "")
    }

    func testRegionThatIsNotARegionNameIsRejectedWithoutEchoingIt() throws {
        let signer = try TestIdentityDocumentSigner()
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates())
        let content = #"{"accountId":"1","region":"../../etc/x\n","instanceId":"i-1","pendingTime":"2026-03-01T12:00:00Z"}"#

        let error = assertAccessDenied(containing: "unsupported EC2 region") { _ = try verifier.verify(try signer.sign(Data(content.utf8))) }
        XCTAssertFalse(error?.message.contains("\n") ?? true)
        XCTAssertFalse(error?.message.contains("/") ?? true)
    }

    func testUnknownKeysInTheSignedDocumentAreIgnored() throws {
        let signer = try TestIdentityDocumentSigner()
        let folder = try signer.makeCertificatesDirectory(regions: ["us-west-2"])
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let verifier = IdentityDocumentVerifier(certificates: try RegionCertificates(overrideDirectory: folder))
        let content = #"{"accountId":"1","region":"us-west-2","instanceId":"i-1","pendingTime":"2026-03-01T12:00:00Z","newField2030":{"x":[1,2]},"billingProducts":null}"#

        let document = try verifier.verify(try signer.sign(Data(content.utf8)))

        XCTAssertEqual(document.instanceId, "i-1")
        XCTAssertEqual(document.pendingTime, pendingTime)
    }
}
