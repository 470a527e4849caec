import Foundation
import JoinCore
import X509
import X509PopJoin
import XCTest

/// The initial payload: version 1, a count, then length-prefixed DER certificates, leaf first.
final class X509PopPayloadTests: XCTestCase {
    private let now = MethodHarness.now

    private func chain() throws -> [[UInt8]] {
        let root = try TestCA.root(now: now)
        let host = try TestHost.issued(by: root, intermediates: [try root.intermediate(now: now)], now: now)
        return host.chain.map(\.derBytes)
    }

    private func assertMalformed(_ bytes: [UInt8], _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try X509PopPayload(decoding: Data(bytes)), file: file, line: line) { error in
            XCTAssertEqual(error as? JoinError, X509PopErrors.malformedPayload(reason), file: file, line: line)
        }
    }

    func testChainRoundTripsLeafFirst() throws {
        let encodings = try chain()
        let payload = try X509PopPayload(derEncodings: encodings)
        let decoded = try X509PopPayload(decoding: payload.encoded)
        XCTAssertEqual(decoded.derEncodings, encodings)
        XCTAssertEqual(decoded.leaf, try Certificate(derEncoded: encodings[0]))
    }

    func testEncodingIsVersionCountThenLengthPrefixedDER() throws {
        let encodings = try chain()
        let bytes = [UInt8](try X509PopPayload(derEncodings: encodings).encoded)
        XCTAssertEqual(bytes[0], 1)
        XCTAssertEqual(bytes[1], 2)
        XCTAssertEqual(Int(bytes[2]) << 8 | Int(bytes[3]), encodings[0].count)
        XCTAssertEqual(Array(bytes[4..<4 + encodings[0].count]), encodings[0])
        XCTAssertEqual(bytes.count, 2 + 2 + encodings[0].count + 2 + encodings[1].count)
    }

    func testEmptyPayloadIsMalformed() {
        assertMalformed([], "the payload is empty")
    }

    func testUnknownVersionIsRefused() {
        assertMalformed([2, 1, 0, 1, 0], "unknown payload format version 2")
    }

    func testMissingCountIsRefused() {
        assertMalformed([1], "the certificate count is missing")
    }

    func testChainOfNoCertificatesIsRefused() {
        assertMalformed([1, 0], "the chain must have 1 to 5 certificates, not 0")
    }

    func testChainOfSixCertificatesIsRefused() {
        assertMalformed([1, 6], "the chain must have 1 to 5 certificates, not 6")
    }

    func testCutLengthIsRefused() {
        assertMalformed([1, 1, 0x01], "certificate 1 of 1: its length is cut short")
    }

    func testOversizedCertificateLengthIsRefused() {
        assertMalformed([1, 1, 0x20, 0x01], "certificate 1 of 1: 8193 bytes, expected 1 to 8192")
    }

    func testZeroLengthCertificateIsRefused() {
        assertMalformed([1, 1, 0, 0], "certificate 1 of 1: 0 bytes, expected 1 to 8192")
    }

    func testCertificateCutShortIsRefused() throws {
        let der = try chain()[0]
        assertMalformed([1, 1, UInt8(der.count >> 8), UInt8(der.count & 0xff)] + der.dropLast(), "certificate 1 of 1: cut short")
    }

    func testBytesAfterTheLastCertificateAreRefused() throws {
        let payload = try X509PopPayload(derEncodings: [try chain()[0]])
        assertMalformed([UInt8](payload.encoded) + [0], "1 unexpected bytes after the last certificate")
    }

    func testBytesThatAreNotACertificateAreRefused() {
        assertMalformed([1, 1, 0, 3, 0x30, 0x01, 0x00], "certificate 1 is not a DER X.509 certificate")
    }

    func testMessageTellsTheOperatorWhatToRun() {
        XCTAssertEqual(X509PopErrors.malformedPayload("the payload is empty").message,
                       "x509pop: malformed payload: the payload is empty; the joining host must run the x509pop plugin "
                        + "(payload format version 1) with method: x509pop")
        XCTAssertEqual(X509PopErrors.malformedPayload("x").kind, .badParameter)
    }
}
