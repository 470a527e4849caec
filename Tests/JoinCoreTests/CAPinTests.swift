import Crypto
import Foundation
import JoinCore
import X509
import XCTest

/// CA pins (spec §5): `sha256:` + hex SHA-256 of the CA certificate's SubjectPublicKeyInfo.
final class CAPinTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_767_366_245)

    /// A self-signed CA certificate and the pin computed independently from its key's SPKI.
    private struct TestCA {
        let certificate: Certificate
        let expectedPin: String
    }

    private func makeCA(name: String = "cluster", validFrom: Date? = nil, validUntil: Date? = nil) throws -> TestCA {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: validFrom ?? now.addingTimeInterval(-3600),
            notValidAfter: validUntil ?? now.addingTimeInterval(86400 * 365),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) },
            issuerPrivateKey: .init(key))
        // P-256 derRepresentation is the DER SubjectPublicKeyInfo.
        let digest = SHA256.hash(data: key.publicKey.derRepresentation)
        return TestCA(certificate: certificate, expectedPin: "sha256:" + digest.map { String(format: "%02x", $0) }.joined())
    }

    private func pin(_ ca: TestCA) throws -> CAPin { try CAPin(parsing: ca.expectedPin) }

    private func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return (error as? JoinError)?.message ?? "\(error)" }
    }

    // MARK: Parsing

    func testPinWithoutColonIsRejected() {
        XCTAssertEqual(message { _ = try CAPin(parsing: "sha256") },
                       "invalid format for certificate pin, expected algorithm:pin")
    }

    func testPinWithTwoColonsIsRejected() {
        XCTAssertEqual(message { _ = try CAPin(parsing: "sha256:ab:cd") },
                       "invalid format for certificate pin, expected algorithm:pin")
    }

    func testPinWithUnknownAlgorithmIsRejected() {
        XCTAssertEqual(message { _ = try CAPin(parsing: "md5:" + String(repeating: "a", count: 64)) },
                       "sha256 only supported hashing algorithm for certificate pin")
    }

    func testAlgorithmNameIsCaseSensitive() {
        XCTAssertEqual(message { _ = try CAPin(parsing: "SHA256:" + String(repeating: "a", count: 64)) },
                       "sha256 only supported hashing algorithm for certificate pin")
    }

    func testPinWithNonHexDigitsIsRejected() {
        let text = "sha256:" + String(repeating: "zz", count: 32)
        let error = message { _ = try CAPin(parsing: text) } ?? ""
        XCTAssertTrue(error.contains("64 hexadecimal digits"), error)
    }

    func testPinOfTheWrongLengthIsRejected() {
        XCTAssertNotNil(message { _ = try CAPin(parsing: "sha256:" + String(repeating: "a", count: 62)) })
        XCTAssertNotNil(message { _ = try CAPin(parsing: "sha256:" + String(repeating: "a", count: 66)) })
        XCTAssertNotNil(message { _ = try CAPin(parsing: "sha256:") })
    }

    func testUppercaseHexIsAcceptedAndPrintedLowercase() throws {
        let hex = "0123456789ABCDEF" + String(repeating: "a", count: 48)
        let pin = try CAPin(parsing: "sha256:" + hex)
        XCTAssertEqual(pin.description, "sha256:" + hex.lowercased())
        XCTAssertEqual(pin.digest.prefix(2), [0x01, 0x23])
        XCTAssertEqual(pin.digest.count, 32)
    }

    func testParsedPinPrintsAsWritten() throws {
        let ca = try makeCA()
        XCTAssertEqual(try pin(ca).description, ca.expectedPin)
    }

    // MARK: Computing

    func testPinOfCertificateIsSHA256OfItsPublicKeyInfo() throws {
        let ca = try makeCA()
        XCTAssertEqual(try CAPin(certificate: ca.certificate).description, ca.expectedPin)
    }

    func testDifferentKeysHaveDifferentPins() throws {
        XCTAssertNotEqual(try CAPin(certificate: makeCA().certificate), try CAPin(certificate: makeCA().certificate))
    }

    // MARK: Verifying

    func testSingleMatchingPinVerifies() throws {
        let ca = try makeCA()
        XCTAssertNoThrow(try CAPin.verify([ca.certificate], against: [pin(ca)], now: now))
    }

    func testOneMatchingPinAmongSeveralVerifies() throws {
        let ca = try makeCA(), other = try makeCA(name: "other"), third = try makeCA(name: "third")
        XCTAssertNoThrow(try CAPin.verify([ca.certificate], against: [pin(other), pin(ca), pin(third)], now: now))
    }

    func testEveryCACertificateMustMatchAPin() throws {
        let current = try makeCA(), rotated = try makeCA(name: "rotated")
        let error = message { try CAPin.verify([current.certificate, rotated.certificate], against: [self.pin(current)], now: self.now) } ?? ""
        XCTAssertTrue(error.contains("cluster CA pin \(rotated.expectedPin) does not match any provided pin"), error)
        XCTAssertTrue(error.contains("tctl status"), error)
    }

    func testTwoCACertificatesWithTwoPinsVerify() throws {
        let current = try makeCA(), rotated = try makeCA(name: "rotated")
        XCTAssertNoThrow(try CAPin.verify([current.certificate, rotated.certificate],
                                          against: [pin(rotated), pin(current)], now: now))
    }

    func testNonMatchingPinIsRejected() throws {
        let ca = try makeCA(), other = try makeCA(name: "other")
        let error = message { try CAPin.verify([ca.certificate], against: [self.pin(other)], now: self.now) } ?? ""
        XCTAssertTrue(error.contains("does not match any provided pin"), error)
    }

    func testNoPinsRejectsEveryCertificate() throws {
        let ca = try makeCA()
        XCTAssertNotNil(message { try CAPin.verify([ca.certificate], against: [], now: self.now) })
    }

    func testExpiredCACertificateIsRejected() throws {
        let ca = try makeCA(validFrom: now.addingTimeInterval(-86400 * 30), validUntil: now.addingTimeInterval(-60))
        let error = message { try CAPin.verify([ca.certificate], against: [self.pin(ca)], now: self.now) } ?? ""
        XCTAssertTrue(error.contains("is not valid at the current time"), error)
    }

    func testNotYetValidCACertificateIsRejected() throws {
        let ca = try makeCA(validFrom: now.addingTimeInterval(3600), validUntil: now.addingTimeInterval(86400))
        let error = message { try CAPin.verify([ca.certificate], against: [self.pin(ca)], now: self.now) } ?? ""
        XCTAssertTrue(error.contains("is not valid at the current time"), error)
    }

    func testEmptyCertificateListIsRejected() throws {
        let ca = try makeCA()
        let error = message { try CAPin.verify([], against: [self.pin(ca)], now: self.now) } ?? ""
        XCTAssertTrue(error.contains("no CA certificates"), error)
    }
}
