import Foundation
import JoinCore
import X509PopJoin
import XCTest

/// The README's openssl recipe, run as written: its CA and host files must join.
final class OpenSSLCertificatesTests: XCTestCase {
    static let openssl = "/usr/bin/openssl"

    /// The commands of README.md's "A test CA with openssl", verbatim.
    static let recipe = """
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
        openssl req -x509 -new -key ca.key -sha256 -days 365 -subj "/O=Example/CN=Example x509pop CA" \\
          -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out host.key
        openssl req -new -key host.key -subj "/CN=web-1.example.com" -out host.csr
        printf 'basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=clientAuth\\n' > host.ext
        openssl x509 -req -in host.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 -extfile host.ext -out host.pem
        """

    func testREADMEQuotesTheRecipe() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        for line in Self.recipe.split(separator: "\n") {
            XCTAssertTrue(text.contains(line), "README.md no longer has: \(line)")
        }
    }

    func testCertificatesMadeWithTheREADMEsOpenSSLCommandsJoin() async throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.openssl), "needs \(Self.openssl)")
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-ec", Self.recipe]
        shell.currentDirectoryURL = scratch.url
        shell.standardOutput = FileHandle.nullDevice
        shell.standardError = FileHandle.nullDevice
        try shell.run()
        shell.waitUntilExit()
        XCTAssertEqual(shell.terminationStatus, 0, "the openssl recipe failed")

        let plugin = X509Pop.plugin(
            serverSettings: .object(["ca_bundle_path": .string(scratch.path("ca.pem"))]),
            proverSettings: .object(["certificate_path": .string(scratch.path("host.pem")),
                                     "private_key_path": .string(scratch.path("host.key"))]))
        let method = try plugin.makeMethod(PluginContext())
        let prover = try plugin.makeProver(ProverContext())
        let payload = try await prover.initialPayload(for: MethodHarness.request)
        let token = MethodHarness.token(.object(["allow": .array([.object(["common_name": .string("web-*")])])]))
        let attempt = MethodHarness.attempt(payload, token: token, at: Date())
        _ = try await method.attest(attempt, over: ProverExchange(prover: prover))
        XCTAssertEqual(attempt.facts.all["x509pop.subject_common_name"], "web-1.example.com")
    }
}
