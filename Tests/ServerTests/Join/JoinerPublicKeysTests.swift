import Crypto
import Foundation
import JoinCore
import Server
import X509
import XCTest

/// A joiner's keys are checked and parsed once, where they arrive: the refusals a client sees,
/// the algorithms accepted, and a key binding over the bytes exactly as sent.
final class JoinerPublicKeysTests: XCTestCase {
    private let ssh = Data(SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).wireBytes)
    private let tls = P256.Signing.PrivateKey().publicKey.derRepresentation

    func testMalformedTLSPublicKeyIsRejected() throws {
        let error = assertJoinError(.badParameter) { try SubjectTLSPublicKey(derEncoded: [0x30, 0x03, 0x02, 0x01, 0x01]) }
        XCTAssertEqual(error?.message, "the TLS public key is not a valid PKIX (SubjectPublicKeyInfo) DER public key of a supported algorithm")
        let missing = assertJoinError(.badParameter) { try SubjectTLSPublicKey(derEncoded: []) }
        XCTAssertEqual(missing?.message, "the TLS public key is missing; send a PKIX (SubjectPublicKeyInfo) DER public key")
    }

    func testUnsupportedTLSKeyAlgorithmIsRejected() {
        let error = assertJoinError(.badParameter) {
            try SubjectTLSPublicKey(derEncoded: Array(P384.Signing.PrivateKey().publicKey.derRepresentation))
        }
        XCTAssertEqual(error?.message, "the TLS public key must be ECDSA P-256 or Ed25519")
    }

    func testEd25519TLSKeyIsAccepted() throws {
        let der = try AuthorityFixtures.spkiDER(Certificate.PublicKey(Curve25519.Signing.PrivateKey().publicKey))
        XCTAssertNoThrow(try SubjectTLSPublicKey(derEncoded: der))
        XCTAssertNoThrow(try JoinerPublicKeys(sshWire: ssh, tlsDER: Data(der)))
    }

    func testMissingKeysAreRefusedWithTheClientInitWording() {
        for (sshWire, tlsDER) in [(Data(), tls), (ssh, Data())] {
            let error = assertJoinError(.badParameter) { try JoinerPublicKeys(sshWire: sshWire, tlsDER: tlsDER) }
            XCTAssertEqual(error?.message, "both public_tls_key and public_ssh_key are required")
        }
    }

    func testUnsupportedSSHKeyIsRefused() {
        let error = assertJoinError(.badParameter) { try JoinerPublicKeys(sshWire: Data([0, 0, 0, 1, 0x41]), tlsDER: tls) }
        XCTAssertEqual(error?.message, "public_ssh_key is not an SSH public key of a supported type (ssh-ed25519, ecdsa-sha2-nistp256)")
    }

    func testBadTLSKeyIsRefusedWithTheClientInitWording() {
        let error = assertJoinError(.badParameter) {
            try JoinerPublicKeys(sshWire: ssh, tlsDER: P384.Signing.PrivateKey().publicKey.derRepresentation)
        }
        XCTAssertEqual(error?.message, "public_tls_key is not a DER SubjectPublicKeyInfo of an ECDSA P-256 or Ed25519 key")
    }

    func testBindingIsOverTheBytesAsSent() throws {
        let keys = try JoinerPublicKeys(sshWire: ssh, tlsDER: tls)
        XCTAssertEqual(keys.binding, KeyBinding(sshPublicKey: ssh, tlsPublicKey: tls))
        XCTAssertEqual(keys.ssh, try SSHPublicKey(wireBytes: ssh))
        XCTAssertEqual(keys.tls.key, try Certificate.PublicKey(derEncoded: Array(tls)))
    }
}
