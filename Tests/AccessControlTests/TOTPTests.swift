import AccessControl
import Foundation
import JoinCore
import XCTest

/// RFC 6238 Appendix B (SHA1, secret "12345678901234567890"): the 6-digit code is the
/// 8-digit test value modulo 10^6.
final class TOTPTests: XCTestCase {
    private let rfc = TOTPDevice(secret: Array("12345678901234567890".utf8))
    private let vectors: [(TimeInterval, String)] = [
        (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ]

    func testRFC6238SHA1Vectors() {
        for (time, eightDigits) in vectors {
            XCTAssertEqual(rfc.code(at: Date(timeIntervalSince1970: time)), String(eightDigits.suffix(6)), "T=\(time)")
        }
    }

    func testRFC6238CodesMatchTheirCounter() {
        for (time, eightDigits) in vectors {
            let date = Date(timeIntervalSince1970: time)
            XCTAssertEqual(rfc.matchingCounter(for: String(eightDigits.suffix(6)), at: date, lastUsedCounter: nil), UInt64(time) / 30)
        }
    }

    func testCodesAreZeroPadded() {
        XCTAssertEqual(rfc.code(at: Date(timeIntervalSince1970: 1_234_567_890)), "005924")
    }

    func testOneStepEitherSideIsAccepted() {
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = UInt64(1_111_111_111) / 30
        let previous = rfc.code(at: now.addingTimeInterval(-30))
        let next = rfc.code(at: now.addingTimeInterval(30))
        XCTAssertEqual(rfc.matchingCounter(for: previous, at: now, lastUsedCounter: nil), step - 1)
        XCTAssertEqual(rfc.matchingCounter(for: next, at: now, lastUsedCounter: nil), step + 1)
    }

    func testTwoStepsAwayIsRefused() {
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        for offset in [-60.0, 60, -90, 90] {
            let code = rfc.code(at: now.addingTimeInterval(offset))
            guard code != rfc.code(at: now) else { continue }
            XCTAssertNil(rfc.matchingCounter(for: code, at: now, lastUsedCounter: nil), "offset \(offset)")
        }
    }

    func testReplayOfTheSameOrOlderCounterIsRefused() {
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let code = rfc.code(at: now)
        guard let used = rfc.matchingCounter(for: code, at: now, lastUsedCounter: nil) else { return XCTFail("code refused") }
        XCTAssertNil(rfc.matchingCounter(for: code, at: now, lastUsedCounter: used))
        XCTAssertNil(rfc.matchingCounter(for: code, at: now.addingTimeInterval(20), lastUsedCounter: used))
        XCTAssertNil(rfc.matchingCounter(for: rfc.code(at: now.addingTimeInterval(-30)), at: now, lastUsedCounter: used))
        let next = rfc.code(at: now.addingTimeInterval(30))
        XCTAssertEqual(rfc.matchingCounter(for: next, at: now.addingTimeInterval(30), lastUsedCounter: used), used + 1)
    }

    func testCodesMustBeSixASCIIDigits() {
        let now = Date(timeIntervalSince1970: 59)
        XCTAssertEqual(rfc.code(at: now), "287082")
        for bad in ["28708", "2870820", " 287082", "287082 ", "28708a", "+87082", "٢٨٧٠٨٢", "", "28 082", "287082\n"] {
            XCTAssertNil(rfc.matchingCounter(for: bad, at: now, lastUsedCounter: nil), bad)
        }
    }

    func testWrongCodeIsRefused() {
        let now = Date(timeIntervalSince1970: 59)
        XCTAssertNil(rfc.matchingCounter(for: "000000", at: now, lastUsedCounter: nil))
    }

    func testTimesNearTheEpochDoNotUnderflow() {
        let start = Date(timeIntervalSince1970: 0)
        XCTAssertEqual(rfc.matchingCounter(for: rfc.code(at: start), at: start, lastUsedCounter: nil), 0)
        XCTAssertEqual(rfc.code(at: Date(timeIntervalSince1970: -100)), rfc.code(at: start))
    }

    func testGeneratedDevicesHaveTwentyRandomBytes() {
        let a = TOTPDevice.generate(), b = TOTPDevice.generate()
        XCTAssertEqual(a.secret.count, 20)
        XCTAssertNotEqual(a.secret, b.secret)
        let now = Date()
        XCTAssertNotNil(a.matchingCounter(for: a.code(at: now), at: now, lastUsedCounter: nil))
    }

    func testProvisioningURI() throws {
        let device = try TOTPDevice(base32Secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        XCTAssertEqual(device.provisioningURI(account: "alice@example.com", issuer: "Acme Cluster"),
                       "otpauth://totp/Acme%20Cluster:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" +
                       "&issuer=Acme%20Cluster&algorithm=SHA1&digits=6&period=30")
        XCTAssertTrue(device.provisioningURI(account: "a:b&c=d", issuer: "x").contains("totp/x:a%3Ab%26c%3Dd?"))
    }

    func testCodableIsTheBase32Secret() throws {
        let data = try JSONEncoder().encode(rfc)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"{"secret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}"#)
        XCTAssertEqual(try JSONDecoder().decode(TOTPDevice.self, from: data), rfc)
    }
}
