import AccessControl
import Foundation
import JoinCore
import XCTest

final class PasswordHashTests: XCTestCase {
    /// One real hash (scrypt at ln=15 takes ~100 ms) shared by the tests that need one.
    private static let hash = try! PasswordHash.make(password: "correct horse battery")

    func testMadeHashVerifiesOnlyItsPassword() {
        XCTAssertTrue(Self.hash.verify("correct horse battery"))
        XCTAssertFalse(Self.hash.verify("correct horse batterY"))
        XCTAssertFalse(Self.hash.verify(""))
    }

    func testEncodingHasTheDocumentedShape() throws {
        let parts = Self.hash.encoded.split(separator: "$", omittingEmptySubsequences: false)
        XCTAssertEqual(parts.count, 5)
        XCTAssertEqual(Array(parts.prefix(3)), ["", "scrypt", "ln=15,r=8,p=1"])
        XCTAssertEqual(Data(base64Encoded: String(parts[3]) + "=="), Data(Self.hash.salt))
        XCTAssertEqual(Self.hash.salt.count, 16)
        XCTAssertEqual(Self.hash.key.count, 32)
        XCTAssertEqual(try PasswordHash(encoded: Self.hash.encoded), Self.hash)
    }

    /// A hash computed elsewhere (ln=4 to stay fast) from the RFC 7914 inputs verifies here.
    func testKnownEncodedHashVerifies() throws {
        let known = try PasswordHash(encoded: "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + Self.knownKey)
        XCTAssertTrue(known.verify("password"))
        XCTAssertFalse(known.verify("Password"))
    }

    /// scrypt("password", 00 01 … 0f, N=16, r=1, p=1, 32 bytes), from Python's hashlib.scrypt.
    private static let knownKey = "lFEuM8RaBUmZHelzdbTRsexKGdJd7ykiDRDzFEWdrME"

    func testSaltsDiffer() throws {
        let second = try PasswordHash.make(password: "correct horse battery")
        XCTAssertNotEqual(second.salt, Self.hash.salt)
        XCTAssertNotEqual(second.encoded, Self.hash.encoded)
    }

    func testTamperedEncodingsAreRefused() {
        let salt = "AAECAwQFBgcICQoLDA0ODw", key = Self.knownKey
        XCTAssertNoThrow(try PasswordHash(encoded: "$scrypt$ln=4,r=1,p=1$\(salt)$\(key)"))
        let refused = [
            "",
            "scrypt$ln=4,r=1,p=1$\(salt)$\(key)",
            "$argon2id$v=19$m=65536,t=3,p=4$\(salt)$\(key)",
            "$bcrypt$ln=4,r=1,p=1$\(salt)$\(key)",
            "$scrypt$ln=21,r=8,p=1$\(salt)$\(key)",
            "$scrypt$ln=4,r=8,p=1000$\(salt)$\(key)",
            "$scrypt$ln=4,r=99999999,p=1$\(salt)$\(key)",
            "$scrypt$ln=4,r=1$\(salt)$\(key)",
            "$scrypt$ln=4,r=1,p=1,p=1$\(salt)$\(key)",
            "$scrypt$ln=4,r=-1,p=1$\(salt)$\(key)",
            "$scrypt$ln=4,r=1,p=1,x=2$\(salt)$\(key)",
            "$scrypt$ln=4,r=1,p=1$\(salt)",
            "$scrypt$ln=4,r=1,p=1$\(salt)$\(key)$",
            "$scrypt$ln=4,r=1,p=1$$\(key)",
            "$scrypt$ln=4,r=1,p=1$\(salt)$\(key.prefix(20))",
            "$scrypt$ln=4,r=1,p=1$\(salt)$\(key)!",
            "$scrypt$ln=4,r=1,p=1$\(salt)$ \(key)",
            "$scrypt$ln=4,r=1,p=1$\(salt)$\(key.dropLast())F",
            "$scrypt$ln=4,r=1,p=1$\(salt)$\(key.dropLast())_",
            "$scrypt$ln=4,r=1,p=1$\(salt)$\(key.dropLast())-",
            "$scrypt$ln=4,r=1,p=1$\(salt)$\(key)==",
        ]
        for encoded in refused {
            XCTAssertThrowsError(try PasswordHash(encoded: encoded), encoded) { error in
                XCTAssertEqual((error as? JoinError)?.kind, .badParameter, encoded)
            }
        }
    }

    func testTamperedKeyDoesNotVerify() throws {
        var bytes = Self.hash.key
        bytes[0] ^= 1
        let parts = Self.hash.encoded.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        var key = Data(bytes).base64EncodedString()
        while key.hasSuffix("=") { key.removeLast() }
        let tampered = try PasswordHash(encoded: "$scrypt$\(parts[2])$\(parts[3])$\(key)")
        XCTAssertFalse(tampered.verify("correct horse battery"))
    }

    func testPaddedBase64IsAccepted() throws {
        let padded = try PasswordHash(encoded: "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw==$" + Self.knownKey + "=")
        XCTAssertTrue(padded.verify("password"))
        XCTAssertEqual(padded.encoded, "$scrypt$ln=4,r=1,p=1$AAECAwQFBgcICQoLDA0ODw$" + Self.knownKey)
    }

    func testCodableIsTheEncodedString() throws {
        let data = try JSONEncoder().encode(Self.hash)
        XCTAssertEqual(try JSONDecoder().decode(String.self, from: data), Self.hash.encoded)
        XCTAssertEqual(try JSONDecoder().decode(PasswordHash.self, from: data), Self.hash)
    }
}
