import Crypto
import Foundation
import JoinCore
import SwiftASN1
import X509
import X509PopJoin
import XCTest

/// Both sides' settings and the files they name: the Auth server's CA bundle, the host's
/// certificate chain and private key. Each mistake gets its own message naming the setting.
final class X509PopSettingsTests: XCTestCase {
    private let now = MethodHarness.now
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws {
        scratch = try ScratchDirectory()
    }

    override func tearDown() {
        scratch.remove()
    }

    private let bundleSetting = "auth_service.join_plugins[x509pop].config.ca_bundle_path"
    private let certificateSetting = "teleport.join_plugins[x509pop].config.certificate_path"
    private let keySetting = "teleport.join_plugins[x509pop].config.private_key_path"

    private func makeMethod(_ settings: JSONValue) throws -> any JoinMethod {
        try X509Pop.plugin.makeMethod(PluginContext(settings: settings))
    }

    private func makeProver(_ settings: JSONValue) throws -> any JoinProver {
        try X509Pop.plugin.makeProver(ProverContext(settings: settings))
    }

    private func assertError(_ expression: @autoclosure () throws -> Any, _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertEqual(error as? JoinError, JoinError.badParameter(message), file: file, line: line)
        }
    }

    private func bundle(_ text: String) throws -> JSONValue {
        .object(["ca_bundle_path": .string(try scratch.write("ca.pem", text))])
    }

    // MARK: Auth server

    func testMethodIsMadeFromTheBundleNamedInItsSettings() throws {
        let root = try TestCA.root(now: now), other = try TestCA.root("Other CA", now: now)
        let method = try makeMethod(try bundle(root.certificate.pem + other.certificate.pem))
        XCTAssertEqual(method.name, "x509pop")
        XCTAssertEqual(try X509PopCABundle(contentsOf: scratch.path("ca.pem")).certificates, [root.certificate, other.certificate])
    }

    func testMissingBundleSettingIsRefused() {
        assertError(try makeMethod(.object([:])),
                    "x509pop: auth_service.join_plugins[x509pop].config.ca_bundle_path is required: the PEM file of the CA certificates host certificates must chain to")
    }

    func testUnknownServerSettingIsRefused() {
        assertError(try makeMethod(.object(["ca_bundle_path": .string("/x"), "ca_path": .string("/y")])),
                    "x509pop: auth_service.join_plugins[x509pop].config: unknown setting \"ca_path\"; x509pop reads ca_bundle_path")
    }

    func testEmptyBundlePathIsRefused() {
        assertError(try makeMethod(.object(["ca_bundle_path": .string("")])),
                    "x509pop: \(bundleSetting): expected a non-empty path to the PEM file of the CA certificates host certificates must chain to")
    }

    func testRelativeBundlePathIsRefused() {
        assertError(try makeMethod(.object(["ca_bundle_path": .string("ca.pem")])),
                    "x509pop: \(bundleSetting): \"ca.pem\" must be an absolute path")
    }

    func testMissingBundleFileIsRefused() {
        let path = scratch.path("absent.pem")
        assertError(try makeMethod(.object(["ca_bundle_path": .string(path)])), "x509pop: \(bundleSetting): \(path) does not exist")
    }

    func testBundleThatIsADirectoryIsRefused() {
        assertError(try makeMethod(.object(["ca_bundle_path": .string(scratch.url.path)])),
                    "x509pop: \(bundleSetting): \(scratch.url.path) is a directory, not a PEM file")
    }

    func testEmptyBundleIsRefused() throws {
        let settings = try bundle("")
        assertError(try makeMethod(settings), "x509pop: \(bundleSetting): \(scratch.path("ca.pem")) is empty")
    }

    func testBundleWithoutPEMBlocksIsRefused() throws {
        let settings = try bundle("not a certificate\n")
        assertError(try makeMethod(settings),
                    "x509pop: \(bundleSetting): \(scratch.path("ca.pem")) holds no PEM blocks (-----BEGIN ...-----)")
    }

    func testBundleWithAPrivateKeyIsRefused() throws {
        let root = try TestCA.root(now: now)
        let settings = try bundle(root.certificate.pem + root.key.pemRepresentation + "\n")
        assertError(try makeMethod(settings),
                    "x509pop: \(bundleSetting): \(scratch.path("ca.pem")) block 2 is a PRIVATE KEY, not a CERTIFICATE; the bundle must hold only CA certificates")
    }

    func testBundleWithABrokenCertificateIsRefused() throws {
        let settings = try bundle("-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n")
        assertError(try makeMethod(settings),
                    "x509pop: \(bundleSetting): \(scratch.path("ca.pem")) block 1 is not a valid X.509 certificate")
    }

    func testOversizedBundleIsRefused() throws {
        let settings = try bundle(String(repeating: "#", count: (1 << 20) + 1))
        assertError(try makeMethod(settings), "x509pop: \(bundleSetting): \(scratch.path("ca.pem")) is larger than 1048576 bytes")
    }

    // MARK: Joining host

    /// Writes a host's chain and key, returning the prover settings.
    private func hostSettings(chain: String, key: String) throws -> JSONValue {
        .object(["certificate_path": .string(try scratch.write("host.pem", chain)),
                 "private_key_path": .string(try scratch.write("host.key", key))])
    }

    func testProverIsMadeFromTheFilesNamedInItsSettings() async throws {
        let root = try TestCA.root(now: now)
        let intermediate = try root.intermediate(now: now)
        let host = try TestHost.issued(by: root, intermediates: [intermediate], now: now)
        let prover = try makeProver(try hostSettings(chain: host.chain.map(\.pem).joined(), key: host.key.pemRepresentation))
        let payload = try X509PopPayload(decoding: try await prover.initialPayload(for: MethodHarness.request))
        XCTAssertEqual(payload.certificates, host.chain)
    }

    func testMissingProverSettingsAreRefused() {
        assertError(try makeProver(.object([:])),
                    "x509pop: teleport.join_plugins[x509pop].config.certificate_path is required: the host's certificate chain in PEM, leaf first")
        assertError(try makeProver(.object(["certificate_path": .string("/x")])),
                    "x509pop: teleport.join_plugins[x509pop].config.private_key_path is required: the certificate's private key in PEM (PKCS#8, P-256)")
    }

    func testUnknownProverSettingIsRefused() {
        assertError(try makeProver(.object(["certificate_path": .string("/x"), "private_key_path": .string("/y"), "key": .string("/z")])),
                    "x509pop: teleport.join_plugins[x509pop].config: unknown setting \"key\"; x509pop reads certificate_path, private_key_path")
    }

    func testSEC1KeyIsRefusedWithTheConversionCommand() throws {
        let host = try TestHost.issued(by: try TestCA.root(now: now), now: now)
        // The label decides: the key is refused before its bytes are read.
        let pem = PEMDocument(type: "EC PRIVATE KEY", derBytes: Array(host.key.derRepresentation)).pemString
        let settings = try hostSettings(chain: host.chain[0].pem, key: pem)
        assertError(try makeProver(settings),
                    "x509pop: \(keySetting): \(scratch.path("host.key")) is a SEC 1 EC key; x509pop reads PKCS#8 "
                        + "(convert it: openssl pkcs8 -topk8 -nocrypt -in \(scratch.path("host.key")))")
    }

    func testRSAKeyIsRefused() throws {
        let host = try TestHost.issued(by: try TestCA.root(now: now), now: now)
        let settings = try hostSettings(chain: host.chain[0].pem, key: "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQE=\n-----END RSA PRIVATE KEY-----\n")
        assertError(try makeProver(settings), "x509pop: \(keySetting): \(scratch.path("host.key")) is an RSA key; x509pop needs a P-256 ECDSA key")
    }

    func testEncryptedKeyIsRefused() throws {
        let host = try TestHost.issued(by: try TestCA.root(now: now), now: now)
        let settings = try hostSettings(chain: host.chain[0].pem,
                                        key: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAMCAQE=\n-----END ENCRYPTED PRIVATE KEY-----\n")
        assertError(try makeProver(settings),
                    "x509pop: \(keySetting): \(scratch.path("host.key")) is encrypted; x509pop reads an unencrypted PKCS#8 key")
    }

    func testP384KeyIsRefused() throws {
        let host = try TestHost.issued(by: try TestCA.root(now: now), now: now)
        let settings = try hostSettings(chain: host.chain[0].pem, key: P384.Signing.PrivateKey().pemRepresentation)
        assertError(try makeProver(settings),
                    "x509pop: \(keySetting): \(scratch.path("host.key")) holds a P384.PrivateKey; x509pop needs a P-256 ECDSA key")
    }

    func testKeyOfAnotherCertificateIsRefused() throws {
        let host = try TestHost.issued(by: try TestCA.root(now: now), now: now)
        let settings = try hostSettings(chain: host.chain[0].pem, key: P256.Signing.PrivateKey().pemRepresentation)
        assertError(try makeProver(settings),
                    "x509pop: \(keySetting): \(scratch.path("host.key")) is not the key of the first certificate in \(scratch.path("host.pem")); "
                        + "the first certificate must be the host's own (the leaf), followed by any intermediates")
    }

    func testChainFileHoldingAKeyIsRefused() throws {
        let host = try TestHost.issued(by: try TestCA.root(now: now), now: now)
        let settings = try hostSettings(chain: host.chain[0].pem + host.key.pemRepresentation, key: host.key.pemRepresentation)
        assertError(try makeProver(settings),
                    "x509pop: \(certificateSetting): \(scratch.path("host.pem")) block 2 is a PRIVATE KEY, not a CERTIFICATE; keep the private key in private_key_path")
    }

    func testChainTooLongToSendIsRefusedOnTheHost() throws {
        let host = try TestHost.issued(by: try TestCA.root(now: now), now: now)
        let settings = try hostSettings(chain: String(repeating: host.chain[0].pem, count: 6), key: host.key.pemRepresentation)
        assertError(try makeProver(settings),
                    "x509pop: \(certificateSetting): \(scratch.path("host.pem")) cannot be sent: x509pop: malformed payload: the chain has 6 "
                        + "certificates, at most 5 are allowed; the joining host must run the x509pop plugin (payload format version 1) with method: x509pop")
    }

    // MARK: In-process plugin

    func testPluginWithFixedSettingsMakesBothHalves() async throws {
        let root = try TestCA.root(now: now)
        let host = try TestHost.issued(by: root, now: now)
        let plugin = X509Pop.plugin(serverSettings: try bundle(root.certificate.pem),
                                    proverSettings: try hostSettings(chain: host.chain[0].pem, key: host.key.pemRepresentation))
        XCTAssertEqual(plugin.name, "x509pop")
        let method = try plugin.makeMethod(PluginContext())
        XCTAssertEqual(method.tokenSpecSections, ["x509pop"])
        let prover = try plugin.makeProver(ProverContext())
        let payload = try await prover.initialPayload(for: MethodHarness.request)
        XCTAssertFalse(payload.isEmpty)
    }
}
