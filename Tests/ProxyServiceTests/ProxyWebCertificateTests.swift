import Foundation
import JoinCore
import Logging
@testable import ProxyService
import X509
import XCTest

/// The Proxy Service's web certificate: the operator's pair when configured, otherwise a
/// self-signed one in `data_dir/proxy` that is reused while it still covers the names clients
/// dial and made again when it does not.
final class ProxyWebCertificateTests: XCTestCase {
    private var dataDirectory: URL!
    private let logger = Logger(label: "proxy-web-certificate-test")

    override func setUpWithError() throws {
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-webcert-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    private func load(publicAddresses: [String] = [], keyPairs: [(certFile: String, keyFile: String)] = []) throws -> ProxyWebCertificate {
        try ProxyWebCertificate.load(
            keyPairs: keyPairs, publicAddresses: publicAddresses, webListenAddress: "0.0.0.0:3080",
            dataDirectory: dataDirectory, field: "teleport.yaml: proxy_service.https_keypairs", logger: logger)
    }

    private func names(_ certificate: ProxyWebCertificate) throws -> [GeneralName] {
        let leaf = try Certificate(pemEncoded: try XCTUnwrap(certificate.chainPEM.first))
        return Array(try XCTUnwrap(leaf.extensions.subjectAlternativeNames))
    }

    func testSubjectNamesArePublicHostsTheSpecificListenHostAndLoopbackWithoutDuplicates() {
        XCTAssertEqual(
            ProxyWebCertificate.subjectNames(publicAddresses: ["proxy.example.com:443", "[2001:db8::1]:3080", "PROXY.example.com"],
                                             webListenAddress: "10.0.0.5:3080"),
            ["proxy.example.com", "2001:db8::1", "10.0.0.5", "localhost", "127.0.0.1", "::1"])
        XCTAssertEqual(ProxyWebCertificate.subjectNames(publicAddresses: [], webListenAddress: "0.0.0.0:3080"),
                       ["localhost", "127.0.0.1", "::1"])
    }

    func testASelfSignedPairIsWrittenToTheProxyFolderAndReused() throws {
        let first = try load(publicAddresses: ["proxy.example.com:3080"])
        XCTAssertEqual(first.chainPEM.count, 2)
        XCTAssertTrue(try names(first).contains(.dnsName("proxy.example.com")))
        let folder = dataDirectory.appendingPathComponent(ProxyWebCertificate.selfSignedFolder)
        for file in ["webcert.pem", "webchain.pem", "webkey.pem"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), file)
        }
        let again = try load(publicAddresses: ["proxy.example.com:3080"])
        XCTAssertEqual(again.chainPEM, first.chainPEM)
        XCTAssertEqual(again.privateKeyPEM, first.privateKeyPEM)
    }

    func testTheSelfSignedPairIsMadeAgainWhenANameIsMissing() throws {
        let first = try load(publicAddresses: ["proxy.example.com:3080"])
        let renamed = try load(publicAddresses: ["other.example.com:3080"])
        XCTAssertNotEqual(renamed.chainPEM, first.chainPEM)
        XCTAssertTrue(try names(renamed).contains(.dnsName("other.example.com")))
    }

    func testAConfiguredPairThatCannotBeReadIsABadParameterNamingTheField() throws {
        let missing = dataDirectory.appendingPathComponent("missing.pem").path
        XCTAssertThrowsError(try load(keyPairs: [(certFile: missing, keyFile: missing)])) { error in
            let joinError = error as? JoinError
            XCTAssertEqual(joinError?.kind, .badParameter)
            XCTAssertTrue(joinError?.message.hasPrefix("teleport.yaml: proxy_service.https_keypairs: cannot read \(missing)") == true,
                          joinError?.message ?? "\(error)")
        }
    }

    func testAConfiguredPairIsServedAsGiven() throws {
        let made = try ProxyWebCertificate.selfSigned(names: ["proxy.example.com"], now: Date())
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let certFile = dataDirectory.appendingPathComponent("cert.pem")
        let keyFile = dataDirectory.appendingPathComponent("key.pem")
        try Data(made.chainPEM.joined().utf8).write(to: certFile)
        try Data(made.privateKeyPEM.utf8).write(to: keyFile)
        let loaded = try load(keyPairs: [(certFile: certFile.path, keyFile: keyFile.path)])
        XCTAssertEqual(loaded.chainPEM, made.chainPEM)
        XCTAssertEqual(loaded.privateKeyPEM, made.privateKeyPEM)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("proxy").path))
    }
}
