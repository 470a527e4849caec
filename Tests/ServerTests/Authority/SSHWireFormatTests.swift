import Crypto
import Foundation
import JoinCore
import Server
import XCTest

/// The SSH wire-format code rejects malformed input with `badParameter`, never a crash.
final class SSHWireFormatTests: XCTestCase {
    private func hostCertificate() throws -> SSHCertificate {
        let issuer = try HostCertificateIssuer(hostCA: try AuthorityFixtures.hostCA())
        return try issuer.sshCertificate(for: AuthorityFixtures.hostRequest())
    }

    func testPublicKeyRoundTripsThroughWireAndAuthorizedKeyForms() throws {
        for key in [SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey), SSHPublicKey(P256.Signing.PrivateKey().publicKey)] {
            XCTAssertEqual(try SSHPublicKey(wireBytes: key.wireBytes), key)
            XCTAssertEqual(try SSHPublicKey(authorizedKey: key.authorizedKey(comment: "me@host")), key)
            XCTAssertTrue(key.authorizedKey.hasPrefix(key.typeName + " AAAA"))
        }
    }

    func testAuthorizedKeyLineWithOptionsIsAccepted() throws {
        let key = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey)
        XCTAssertEqual(try SSHPublicKey(authorizedKey: "no-pty,from=\"10.0.0.1\" \(key.authorizedKey) comment"), key)
    }

    func testTruncatedPublicKeyIsRejected() throws {
        let bytes = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).wireBytes
        for length in [0, 3, 4, 10, 18, bytes.count - 1] {
            assertJoinError(.badParameter) { try SSHPublicKey(wireBytes: bytes.prefix(length)) }
        }
    }

    func testPublicKeyWithTrailingBytesIsRejected() {
        let bytes = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).wireBytes + [0]
        assertJoinError(.badParameter) { try SSHPublicKey(wireBytes: bytes) }
    }

    func testHugeLengthPrefixIsRejected() {
        assertJoinError(.badParameter) { try SSHPublicKey(wireBytes: [0xff, 0xff, 0xff, 0xff, 0x73]) }
    }

    func testUnsupportedKeyTypeIsRejected() {
        var writer = SSHWireWriter()
        writer.writeString("ssh-rsa")
        writer.writePositiveMPInt([1, 0, 1])
        writer.writePositiveMPInt([0xc5, 0x11])
        let error = assertJoinError(.badParameter) { try SSHPublicKey(wireBytes: writer.bytes) }
        XCTAssertTrue(error?.message.contains("unsupported key type \"ssh-rsa\"") == true, error?.message ?? "")
    }

    func testInvalidECDSAPointIsRejected() {
        var writer = SSHWireWriter()
        writer.writeString("ecdsa-sha2-nistp256")
        writer.writeString("nistp256")
        writer.writeString([UInt8](repeating: 0x04, count: 65))
        assertJoinError(.badParameter) { try SSHPublicKey(wireBytes: writer.bytes) }
    }

    func testMalformedAuthorizedKeyLinesAreRejected() {
        for line in ["", "ssh-ed25519", "ssh-ed25519 !!!notbase64", "ssh-dss AAAAB3NzaC1kc3M=", "hello world"] {
            assertJoinError(.badParameter) { try SSHPublicKey(authorizedKey: line) }
        }
    }

    func testAuthorizedKeyTypeMustMatchBlob() {
        let key = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey)
        let line = "ecdsa-sha2-nistp256 " + Data(key.wireBytes).base64EncodedString()
        assertJoinError(.badParameter) { try SSHPublicKey(authorizedKey: line) }
    }

    func testCertificateRoundTripsThroughAuthorizedKeyForm() throws {
        let certificate = try hostCertificate()
        let parsed = try SSHCertificate(authorizedKey: certificate.authorizedKey)
        XCTAssertEqual(parsed, certificate)
        XCTAssertTrue(parsed.isSignatureValid)
    }

    func testEveryTruncationOfACertificateIsRejected() throws {
        let bytes = try hostCertificate().wireBytes
        for length in 0..<bytes.count {
            assertJoinError(.badParameter) { try SSHCertificate(wireBytes: bytes.prefix(length)) }
        }
    }

    func testCertificateWithFlippedByteFailsSignatureOrParsing() throws {
        let certificate = try hostCertificate()
        var bytes = certificate.wireBytes
        // Inside the principals: still parses, but the signature no longer matches.
        let principal = Array("localhost".utf8)
        let index = try XCTUnwrap((0..<bytes.count).first { Array(bytes[$0..<min($0 + principal.count, bytes.count)]) == principal })
        bytes[index] ^= 0x01
        let tampered = try SSHCertificate(wireBytes: bytes)
        XCTAssertFalse(tampered.isSignatureValid)
        XCTAssertFalse(tampered.isSigned(by: [certificate.signatureKey]))
    }

    func testPlainKeyIsNotACertificate() {
        let key = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey)
        assertJoinError(.badParameter) { try SSHCertificate(wireBytes: key.wireBytes) }
        assertJoinError(.badParameter) { try SSHCertificate(authorizedKey: key.authorizedKey) }
    }

    func testGarbageIsNotACertificate() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            assertJoinError(.badParameter) { try SSHCertificate(wireBytes: bytes) }
        }
    }

    func testMPIntEncoding() throws {
        var writer = SSHWireWriter()
        writer.writePositiveMPInt([0x00, 0x80])
        writer.writePositiveMPInt([0x7f])
        writer.writePositiveMPInt([UInt8]())
        XCTAssertEqual(writer.bytes, [0, 0, 0, 2, 0x00, 0x80, 0, 0, 0, 1, 0x7f, 0, 0, 0, 0])
        var reader = SSHWireReader(writer.bytes, context: "test")
        XCTAssertEqual(try reader.readPositiveMPInt("a"), [0x80])
        XCTAssertEqual(try reader.readPositiveMPInt("b"), [0x7f])
        XCTAssertEqual(try reader.readPositiveMPInt("c"), [])
        XCTAssertNoThrow(try reader.expectEnd())
        var negative = SSHWireReader([0, 0, 0, 1, 0xff], context: "test")
        assertJoinError(.badParameter) { try negative.readPositiveMPInt("n") }
    }

    func testOpenSSHPrivateKeyRoundTrips() throws {
        let key = Curve25519.Signing.PrivateKey()
        let text = OpenSSHPrivateKeyFile.encode(key, comment: "c")
        XCTAssertTrue(text.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----\n"))
        XCTAssertEqual(try OpenSSHPrivateKeyFile.decode(text).rawRepresentation, key.rawRepresentation)
    }

    func testMalformedOpenSSHPrivateKeysAreRejected() throws {
        let text = OpenSSHPrivateKeyFile.encode(Curve25519.Signing.PrivateKey())
        let lines = text.split(separator: "\n").map(String.init)
        let body = Array(Data(base64Encoded: lines[1..<(lines.count - 1)].joined())!)
        func wrap(_ bytes: [UInt8]) -> String {
            "-----BEGIN OPENSSH PRIVATE KEY-----\n\(Data(bytes).base64EncodedString())\n-----END OPENSSH PRIVATE KEY-----\n"
        }
        assertJoinError(.badParameter) { try OpenSSHPrivateKeyFile.decode("") }
        assertJoinError(.badParameter) { try OpenSSHPrivateKeyFile.decode("-----BEGIN OPENSSH PRIVATE KEY-----\n***\n-----END OPENSSH PRIVATE KEY-----") }
        for length in stride(from: 0, to: body.count, by: 7) {
            assertJoinError(.badParameter) { try OpenSSHPrivateKeyFile.decode(wrap(Array(body.prefix(length)))) }
        }
        var corrupted = body
        corrupted[corrupted.count - 20] ^= 0xff  // inside the private key or comment
        XCTAssertThrowsError(try OpenSSHPrivateKeyFile.decode(wrap(corrupted)))
    }
}
