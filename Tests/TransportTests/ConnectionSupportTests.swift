import Crypto
import Foundation
@testable import Transport
import X509
import XCTest

/// Pieces of the connection to the Auth server that need no server: PEM bundles and the
/// throwaway client certificate.
final class ConnectionSupportTests: XCTestCase {
    private func certificatePEM(_ name: String) throws -> String {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(3600),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions {}, issuerPrivateKey: .init(key))
        return try certificate.serializeAsPEM().pemString + "\n"
    }

    // MARK: PEMBundle

    func testBundleIsSplitIntoItsCertificates() throws {
        let first = try certificatePEM("first"), second = try certificatePEM("second")
        let blocks = PEMBundle.split(first + second)
        XCTAssertEqual(blocks, [first, second])
        XCTAssertEqual(try blocks.map { try Certificate(pemEncoded: $0).subject.description }, ["CN=first", "CN=second"])
    }

    func testTextOutsideBlocksIsIgnored() throws {
        let pem = try certificatePEM("only")
        XCTAssertEqual(PEMBundle.split("subject=CN=only\n" + pem + "\n\ntrailing words\n"), [pem])
    }

    func testIndentedBlockIsTrimmed() throws {
        let pem = try certificatePEM("indented")
        let indented = pem.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        XCTAssertEqual(PEMBundle.split(indented), [pem])
    }

    func testEmptyBundleHasNoBlocks() {
        XCTAssertEqual(PEMBundle.split(""), [])
        XCTAssertEqual(PEMBundle.split("no certificates here\n"), [])
    }

    func testUnterminatedBlockIsDropped() throws {
        let pem = try certificatePEM("complete")
        XCTAssertEqual(PEMBundle.split(pem + "-----BEGIN CERTIFICATE-----\nMIIB\n"), [pem])
    }

    // MARK: ThrowawayCertificate

    func testThrowawayCertificateIsSelfSignedForItsKey() throws {
        let throwaway = try ThrowawayCertificate()
        let certificate = try Certificate(pemEncoded: throwaway.certificatePEM)
        let key = try P256.Signing.PrivateKey(pemRepresentation: throwaway.privateKeyPEM)
        XCTAssertEqual(certificate.publicKey, Certificate.PublicKey(key.publicKey))
        XCTAssertEqual(certificate.issuer, certificate.subject)
        XCTAssertTrue(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
    }

    func testThrowawayCertificateIsValidNow() throws {
        let certificate = try Certificate(pemEncoded: ThrowawayCertificate().certificatePEM)
        let now = Date()
        XCTAssertLessThanOrEqual(certificate.notValidBefore, now)
        XCTAssertGreaterThan(certificate.notValidAfter, now)
    }

    func testEachThrowawayCertificateHasItsOwnKey() throws {
        XCTAssertNotEqual(try ThrowawayCertificate().privateKeyPEM, try ThrowawayCertificate().privateKeyPEM)
    }
}
