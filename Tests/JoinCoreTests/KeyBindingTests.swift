import Crypto
import Foundation
import JoinCore
import XCTest

/// The digest that binds live proofs to the keys a join certifies: fixed encoding (label, then
/// each key length-prefixed, SSH before TLS), so different key pairs never share a binding.
final class KeyBindingTests: XCTestCase {
    private let ssh = Data(SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).wireBytes)
    private let tls = P256.Signing.PrivateKey().publicKey.derRepresentation

    func testTheSameKeysAlwaysGiveTheSame32ByteBinding() {
        let first = KeyBinding(sshPublicKey: ssh, tlsPublicKey: tls)
        let second = KeyBinding(sshPublicKey: ssh, tlsPublicKey: tls)
        XCTAssertEqual(first.bytes.count, KeyBinding.byteCount)
        XCTAssertEqual(first, second)
        XCTAssertTrue(first.matches(second))
    }

    func testAnotherSSHKeyGivesAnotherBinding() {
        let other = Data(SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).wireBytes)
        let original = KeyBinding(sshPublicKey: ssh, tlsPublicKey: tls)
        XCTAssertFalse(original.matches(KeyBinding(sshPublicKey: other, tlsPublicKey: tls)))
    }

    func testAnotherTLSKeyGivesAnotherBinding() {
        let other = P256.Signing.PrivateKey().publicKey.derRepresentation
        let original = KeyBinding(sshPublicKey: ssh, tlsPublicKey: tls)
        XCTAssertFalse(original.matches(KeyBinding(sshPublicKey: ssh, tlsPublicKey: other)))
    }

    func testLengthPrefixesKeepABoundaryShiftFromColliding() {
        // The same bytes overall, split differently between the two keys.
        let left = KeyBinding(sshPublicKey: Data("ab".utf8), tlsPublicKey: Data("c".utf8))
        let right = KeyBinding(sshPublicKey: Data("a".utf8), tlsPublicKey: Data("bc".utf8))
        XCTAssertNotEqual(left, right)
    }

    func testSwappingTheTwoKeysGivesAnotherBinding() {
        XCTAssertNotEqual(KeyBinding(sshPublicKey: ssh, tlsPublicKey: tls), KeyBinding(sshPublicKey: tls, tlsPublicKey: ssh))
    }

    /// The encoding, checked against `openssl dgst -sha256` over the bytes written out by hand:
    /// the label, then `00 00 00 02 'a' 'b'`, then `00 00 00 03 'c' 'd' 'e'`.
    func testEncodingIsTheLabelThenEachKeyLengthPrefixedAsOpenSSLComputesIt() throws {
        var input = Data(KeyBinding.label.utf8)
        input += Data([0, 0, 0, 2]) + Data("ab".utf8)
        input += Data([0, 0, 0, 3]) + Data("cde".utf8)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("key-binding-\(UUID().uuidString)")
        try input.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["dgst", "-sha256", "-binary", file.path]
        let output = Pipe()
        openssl.standardOutput = output
        try openssl.run()
        let digest = output.fileHandleForReading.readDataToEndOfFile()
        openssl.waitUntilExit()
        XCTAssertEqual(openssl.terminationStatus, 0)
        XCTAssertEqual(KeyBinding(sshPublicKey: Data("ab".utf8), tlsPublicKey: Data("cde".utf8)).bytes, digest)
    }

    func testTextRoundTripsAndOnlyExactEncodingsAreRead() throws {
        let binding = KeyBinding(sshPublicKey: ssh, tlsPublicKey: tls)
        XCTAssertEqual(binding.text.count, 43)
        XCTAssertEqual(KeyBinding(text: binding.text), binding)
        XCTAssertEqual(KeyBinding(bytes: binding.bytes), binding)
        XCTAssertNil(KeyBinding(text: binding.text + "A"))
        XCTAssertNil(KeyBinding(text: String(binding.text.dropLast())))
        XCTAssertNil(KeyBinding(text: String(repeating: "*", count: 43)))
        XCTAssertNil(KeyBinding(bytes: Data(repeating: 1, count: 31)))
        XCTAssertNil(KeyBinding(bytes: Data()))
    }
}
