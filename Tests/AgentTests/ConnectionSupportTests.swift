import Crypto
import Foundation
@testable import Agent
import JoinCore
import Logging
import X509
import XCTest

/// Pieces of the connection to the Auth server that need no server: PEM bundles, the
/// throwaway client certificate, and the trust decision when no pins are configured.
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

    // MARK: ClusterTrust without pins

    private func parameters(insecure: Bool, pins: [CAPin] = []) -> JoinParameters {
        // Port 1 on loopback: nothing listens, so a connection attempt would fail the test.
        JoinParameters(authServer: AuthAddress(host: "127.0.0.1", port: 1), tokenName: "t", method: "token", role: .node,
                       nodeName: "n", caPins: pins, insecure: insecure)
    }

    func testInsecureSkipsVerification() throws {
        let pin = try CAPin(parsing: "sha256:" + String(repeating: "ab", count: 32))
        let trust = try ClusterTrust.joinTrust(parameters(insecure: true, pins: [pin]), clock: SystemClock(), logger: Logger(label: "test"))
        guard case .unverified = trust else { return XCTFail("--insecure must skip verification, got \(trust)") }
    }

    func testPinsGiveAPinnedHandshake() throws {
        let pin = try CAPin(parsing: "sha256:" + String(repeating: "ab", count: 32))
        let trust = try ClusterTrust.joinTrust(parameters(insecure: false, pins: [pin]), clock: SystemClock(), logger: Logger(label: "test"))
        guard case .pinned(let handshake) = trust else { return XCTFail("pins must be checked in the handshake, got \(trust)") }
        XCTAssertEqual(handshake.pins, [pin])
    }

    func testNoPinsAndNoInsecureRefusesNamingTheWaysOut() throws {
        XCTAssertThrowsError(try ClusterTrust.joinTrust(parameters(insecure: false), clock: SystemClock(), logger: Logger(label: "test"))) { error in
            let error = error as? JoinError
            XCTAssertEqual(error?.kind, .badParameter)
            for flag in ["--ca-pin", "ca_pin", "--insecure", "--ca-path", "tctl status", "Nothing was sent"] {
                XCTAssertTrue(error?.message.contains(flag) == true, "the refusal should name \(flag): \(error?.message ?? "")")
            }
        }
    }

    func testJoinParametersDefaultToVerifiedJoins() {
        let parameters = JoinParameters(authServer: AuthAddress(host: "a", port: 3025), tokenName: "t", method: "token",
                                        role: .node, nodeName: "n")
        XCTAssertFalse(parameters.insecure)
        XCTAssertTrue(parameters.caPins.isEmpty)
    }
}
