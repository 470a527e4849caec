@testable import TPMJoin
import Foundation
import JoinCore
import XCTest

/// Credential protection (TPM 2.0 Part 1 §24) against known answers computed independently
/// (a Python implementation whose blobs swtpm's TPM2_ActivateCredential accepted), and the
/// identifiers rules match on.
final class CredentialProtectionTests: XCTestCase {
    private func hex(_ text: String) -> Data {
        var data = Data()
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            data.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return data
    }

    private func text(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }

    func testKDFaAndTheCredentialBlobMatchKnownAnswers() throws {
        let seed = hex("000102030405060708090a0b0c0d0e0f")
        let name = hex("000b3b686cda0780c7f83ecf0a1fb8641412411b7071516d6a62f45fe09e1997fcd8")
        let credential = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        XCTAssertEqual(text(CredentialProtection.kdfa(key: seed, label: "STORAGE", contextU: name, contextV: Data(), bits: 128)),
                       "cf35ad4359c65e69c2f748837e594220")
        XCTAssertEqual(text(CredentialProtection.kdfa(key: seed, label: "INTEGRITY", contextU: Data(), contextV: Data(), bits: 256)),
                       "9d0eee85ba906b4eb5a28628d1406fc399e7de87d400e0bc42d7c44617498077")
        let (blob, encryptedIdentity) = try CredentialProtection.protect(credential: credential, name: name, seed: seed)
        XCTAssertEqual(text(encryptedIdentity), "3da0a4f089334a6bdce7b6bce49d4eb178bed7edea4bf215071989416164cc786ef1")
        XCTAssertEqual(text(blob), "00440020b997f34164f2c0f4b52803b947d36ef97615fa0df7117a65ebd6cc568de1924b"
                           + "3da0a4f089334a6bdce7b6bce49d4eb178bed7edea4bf215071989416164cc786ef1")
    }

    func testTheTCGHeaderAndPaddingAroundAnEKCertificateAreRemoved() {
        let certificate = Data([0x30, 0x03, 0x02, 0x01, 0x07])
        let stored = Data([0x10, 0x01, 0x00, 0x00, 0x05]) + certificate + Data(repeating: 0xff, count: 7)
        XCTAssertEqual(EndorsementKey.strippingTCGHeader(stored), certificate)
        XCTAssertEqual(EndorsementKey.strippingTCGHeader(certificate + Data(count: 3)), certificate)
        XCTAssertEqual(EndorsementKey.strippingTCGHeader(certificate), certificate)
    }

    func testMalformedOrOversizedMessagesAndEndorsementKeysAreRefusedWithTheReason() {
        XCTAssertThrowsError(try TPMMessages.decode(TPMMessages.Init.self, from: Data("{".utf8), what: "join request")) { error in
            XCTAssertEqual((error as? JoinError)?.message, "the tpm join request is not the JSON this method expects")
        }
        XCTAssertThrowsError(try TPMMessages.decode(TPMMessages.Solution.self, from: Data(count: TPMMessages.maximumBytes + 1),
                                                    what: "answer")) { error in
            XCTAssertTrue((error as? JoinError)?.message.contains("the limit is \(TPMMessages.maximumBytes)") == true, "\(error)")
        }
        let cases: [(Data?, Data?, String)] = [
            (nil, nil, "at least one of EKCert or EKKey must be provided"),
            (Data("not a certificate".utf8), nil, "validating TPM: parsing EK cert"),
            (nil, Data("not a key".utf8), "validating TPM: parsing EK key"),
        ]
        for (certificate, key, expected) in cases {
            XCTAssertThrowsError(try EndorsementKey(certificate: certificate, publicKey: key)) { error in
                XCTAssertEqual((error as? JoinError)?.kind, .accessDenied)
                XCTAssertTrue((error as? JoinError)?.message.contains(expected) == true, "\(error)")
            }
        }
        XCTAssertThrowsError(try AttestationKey(publicArea: Data(count: 4))) { error in
            XCTAssertTrue("\(error)".contains("not a TPMT_PUBLIC"), "\(error)")
        }
    }

    func testSerialsPrintAsTeleportPrintsThem() {
        XCTAssertEqual(EndorsementKey.serialText([0x04, 0xc0, 0x1d, 0xb4, 0x00, 0xb0, 0xc9][...]), "04:c0:1d:b4:00:b0:c9")
        XCTAssertEqual(EndorsementKey.serialText([0x00, 0x02][...]), "02")
    }

    func testAnAttestationKeyThatCouldLeaveItsTPMOrDecryptIsRefused() {
        func area(_ attributes: UInt32, type: UInt16 = 0x0001) -> Data {
            Data([UInt8(type >> 8), UInt8(type & 0xff), 0x00, 0x0b]) + withUnsafeBytes(of: attributes.bigEndian) { Data($0) } + Data(count: 16)
        }
        let good: UInt32 = 0x0005_0472
        XCTAssertNoThrow(try AttestationKey(publicArea: area(good)))
        for (attributes, message) in [(good & ~0x2, "AK is exportable"), (good & ~0x1_0000, "not limited to attestation"),
                                      (good | 0x2_0000, "not limited to attestation")] {
            XCTAssertThrowsError(try AttestationKey(publicArea: area(attributes))) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
        XCTAssertThrowsError(try AttestationKey(publicArea: area(good, type: 0x0023))) { error in
            XCTAssertTrue("\(error)".contains("not supported"), "\(error)")
        }
    }

    func testTheTokenSectionIsCheckedInTeleportsWords() {
        func token(_ section: JSONValue) -> ProvisionToken {
            var token = ProvisionToken(name: "tpm-token", roles: [.node], joinMethod: "tpm")
            token.spec.methodSections["tpm"] = section
            return token
        }
        let cases: [(JSONValue, String)] = [
            (.object([:]), "allow: at least one rule must be set"),
            (.object(["allow": .array([.object(["description": .string("x")])])]),
             "allow[0]: at least one of ['ek_public_hash', 'ek_certificate_serial'] must be set"),
            (.object(["ekcert_allowed_cas": .array([.string("nothing")]), "allow": .array([.object(["ek_public_hash": .string("ab")])])]),
             "ekcert_allowed_cas[0]: no pem block found"),
            (.object(["allow": .array([.object(["ek_public_hash": .string("ab"), "ekpub_hash": .string("ab")])])]), "ekpub_hash"),
            // A serial no CA vouches for proves nothing: any self-made certificate can carry it.
            (.object(["allow": .array([.object(["ek_certificate_serial": .string("02")])])]),
             "allow[0]: ek_certificate_serial needs ekcert_allowed_cas"),
        ]
        for (section, expected) in cases {
            XCTAssertThrowsError(try TPMTokenSpec(of: token(section))) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
