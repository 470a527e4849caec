import EC2Join
import Foundation
import JoinCore
import XCTest

/// The bundled AWS certificates and `auth_service.aws.ec2_certificates_dir` (spec §6.3).
final class RegionCertificatesTests: XCTestCase {
    func testEveryBundledRegionCertificateParses() throws {
        let certificates = try RegionCertificates()
        XCTAssertEqual(RegionCertificates.bundledRegions.count, 39)
        XCTAssertEqual(certificates.regions, RegionCertificates.bundledRegions)
        for region in ["us-east-1", "us-west-2", "eu-central-1", "cn-north-1", "us-gov-west-1", "eusc-de-east-1", "mx-central-1"] {
            XCTAssertTrue(certificates.regions.contains(region), region)
        }
        for region in certificates.regions {
            XCTAssertFalse(try certificates.certificate(for: region).derRepresentation.isEmpty, region)
        }
    }

    func testBundledCertificatesAreAWSsPublishedOnes() throws {
        let certificates = try RegionCertificates()
        let published = try RegionCertificates(overrideDirectory: AWSIIDFixtures.regionCertificates())
        XCTAssertEqual(published.regions, certificates.regions)
        for region in certificates.regions {
            XCTAssertEqual(try certificates.certificate(for: region).derRepresentation,
                           try published.certificate(for: region).derRepresentation, region)
        }
        for sample in GenuineIdentityDocumentSample.all {
            let kept = try RegionCertificate(region: sample.region, pem: try Data(contentsOf: sample.certificateURL), source: "sample")
            XCTAssertEqual(try certificates.certificate(for: sample.region).derRepresentation, kept.derRepresentation, sample.region)
        }
    }

    func testOverrideDirectoryAddsANewRegion() throws {
        let signer = try TestIdentityDocumentSigner()
        let folder = try temporaryDirectory()
        try signer.installCertificate(in: folder, region: "xx-new-1")

        let certificates = try RegionCertificates(overrideDirectory: folder)

        XCTAssertEqual(certificates.regions.count, 40)
        XCTAssertTrue(certificates.regions.contains("xx-new-1"))
        XCTAssertEqual(certificates.overrideDirectory, folder)
        XCTAssertEqual(try certificates.certificate(for: "xx-new-1").derRepresentation, try der(of: signer))
    }

    func testOverrideDirectoryReplacesAnExistingRegion() throws {
        let signer = try TestIdentityDocumentSigner()
        let folder = try temporaryDirectory()
        try signer.installCertificate(in: folder, region: "us-west-2")
        let bundled = try RegionCertificates().certificate(for: "us-west-2").derRepresentation

        let certificates = try RegionCertificates(overrideDirectory: folder)

        XCTAssertEqual(certificates.regions.count, 39)
        XCTAssertEqual(try certificates.certificate(for: "us-west-2").derRepresentation, try der(of: signer))
        XCTAssertNotEqual(try certificates.certificate(for: "us-west-2").derRepresentation, bundled)
        XCTAssertEqual(try certificates.certificate(for: "us-west-1").derRepresentation,
                       try RegionCertificates().certificate(for: "us-west-1").derRepresentation)
    }

    func testUnknownRegionNamesTheRegionAndTheSetting() throws {
        let error = assertAccessDenied(containing: #"unsupported EC2 region "xx-east-9""#) {
            _ = try RegionCertificates().certificate(for: "xx-east-9")
        }
        XCTAssertEqual(error?.message,
                       #"unsupported EC2 region "xx-east-9": no AWS certificate for it; add DIR/xx-east-9.pem and set auth_service.aws.ec2_certificates_dir: DIR"#)
    }

    func testUnknownRegionWithAnOverrideDirectoryNamesTheFileToAdd() throws {
        let folder = try temporaryDirectory()
        let error = assertAccessDenied(containing: #"unsupported EC2 region "xx-east-9""#) {
            _ = try RegionCertificates(overrideDirectory: folder).certificate(for: "xx-east-9")
        }
        XCTAssertTrue(error?.message.contains(folder.appendingPathComponent("xx-east-9.pem").path) == true, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("auth_service.aws.ec2_certificates_dir") == true, error?.message ?? "")
    }

    func testOverrideFileThatIsNotACertificateFailsAtStartup() throws {
        let folder = try temporaryDirectory()
        try Data("not a certificate".utf8).write(to: folder.appendingPathComponent("us-west-2.pem"))
        assertJoinError(.badParameter, containing: "us-west-2.pem") { _ = try RegionCertificates(overrideDirectory: folder) }
    }

    func testOverrideFileNotNamedAfterARegionFailsAtStartup() throws {
        let signer = try TestIdentityDocumentSigner()
        let folder = try temporaryDirectory()
        try signer.installCertificate(in: folder, region: "US West 2")
        assertJoinError(.badParameter, containing: "<region>.pem") { _ = try RegionCertificates(overrideDirectory: folder) }
    }

    func testOtherFilesInTheOverrideDirectoryAreIgnored() throws {
        let folder = try temporaryDirectory()
        try Data("notes".utf8).write(to: folder.appendingPathComponent("README.md"))
        try Data("junk".utf8).write(to: folder.appendingPathComponent(".us-west-2.pem.swp"))
        XCTAssertEqual(try RegionCertificates(overrideDirectory: folder).regions.count, 39)
    }

    func testMissingOverrideDirectoryFailsAtStartup() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-no-such-dir-\(UUID().uuidString)")
        assertJoinError(.badParameter, containing: missing.path) { _ = try RegionCertificates(overrideDirectory: missing) }
    }

    private func der(of signer: TestIdentityDocumentSigner) throws -> [UInt8] {
        try RegionCertificate(region: "test", pem: signer.certificatePEM, source: "test").derRepresentation
    }
}
