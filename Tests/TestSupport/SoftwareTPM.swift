import Foundation
import XCTest

/// A software TPM 2.0 for tests: Debian's `swtpm`, manufactured by `swtpm_setup` with an EK and,
/// when asked, an EK certificate issued by a local CA that lives in the test's directory (never
/// the system's `/var/lib/swtpm-localca`), served on 127.0.0.1 (the TPM port and, one above it,
/// the control port the swtpm TCTI needs). One swtpm per test: it has no resource manager.
///
/// `swtpm_localca` makes a two-level CA on first use; ``issuerCertificate`` is the CA that
/// signs EK certificates (what a token's `ekcert_allowed_cas` lists), ``rootCertificate`` its
/// root.
public final class SoftwareTPM: @unchecked Sendable {
    /// How a TPM is manufactured.
    public enum Endorsement: Sendable {
        /// An EK and its certificate from the CA.
        case certified
        /// An EK (persisted) without a certificate.
        case keyOnly
    }

    /// A local CA for EK certificates.
    public final class LocalCA: Sendable {
        public let directory: URL
        public var issuerCertificate: URL { directory.appendingPathComponent("issuercert.pem") }
        public var rootCertificate: URL { directory.appendingPathComponent("swtpm-localca-rootca-cert.pem") }
        var setupConfig: URL { directory.appendingPathComponent("swtpm_setup.conf") }

        public init(directory: URL) throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            self.directory = directory
            let path = directory.path
            try """
                statedir = \(path)
                signingkey = \(path)/signkey.pem
                issuercert = \(path)/issuercert.pem
                certserial = \(path)/certserial

                """.write(to: directory.appendingPathComponent("swtpm-localca.conf"), atomically: true, encoding: .utf8)
            try "--platform-manufacturer Joinery\n--platform-version 2.1\n--platform-model swtpm-test\n"
                .write(to: directory.appendingPathComponent("swtpm-localca.options"), atomically: true, encoding: .utf8)
            try """
                create_certs_tool = /usr/bin/swtpm_localca
                create_certs_tool_config = \(path)/swtpm-localca.conf
                create_certs_tool_options = \(path)/swtpm-localca.options
                active_pcr_banks = sha256

                """.write(to: setupConfig, atomically: true, encoding: .utf8)
        }
    }

    public let stateDirectory: URL
    public let port: Int
    private let process: ManagedProcess

    /// What to put in `TPM2TOOLS_TCTI`.
    public var tcti: String { "swtpm:host=127.0.0.1,port=\(port)" }

    /// Manufactures a TPM in `directory/name` with `ca` and starts it.
    public static func start(in directory: URL, name: String, ca: LocalCA, endorsement: Endorsement = .certified) async throws -> SoftwareTPM {
        for tool in ["/usr/bin/swtpm", "/usr/bin/swtpm_setup", "/usr/bin/swtpm_localca"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) not found: apt-get install swtpm swtpm-tools (scripts/install-deps does)")
        }
        let state = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        var arguments = ["--tpm2", "--tpmstate", state.path, "--config", ca.setupConfig.path, "--lock-nvram", "--overwrite"]
        switch endorsement {
        case .certified:
            // The certificates are also written to `ek-certs/`, for tests to check what the TPM serves.
            let certificates = state.appendingPathComponent("ek-certs")
            try FileManager.default.createDirectory(at: certificates, withIntermediateDirectories: true)
            arguments += ["--create-ek-cert", "--create-platform-cert", "--write-ek-cert-files", certificates.path]
        case .keyOnly: arguments += ["--createek"]
        }
        let setup = try Command.run("/usr/bin/swtpm_setup", arguments, timeout: 120)
        guard setup.status == 0 else { throw TestFailure("swtpm_setup failed: \(setup.combined)") }
        // The TCTI wants the control port right above the TPM's; try a few free ports.
        for _ in 0..<5 {
            let port = FreePort.next()
            guard !FreePort.isListening(port + 1) else { continue }
            let process = try ManagedProcess(URL(fileURLWithPath: "/usr/bin/swtpm"), [
                "socket", "--tpm2", "--tpmstate", "dir=\(state.path)",
                "--server", "type=tcp,port=\(port),bindaddr=127.0.0.1",
                "--ctrl", "type=tcp,port=\(port + 1),bindaddr=127.0.0.1",
                "--flags", "not-need-init,startup-clear",
            ], logDirectory: directory, name: "\(name)-swtpm")
            for _ in 0..<100 where process.isRunning && !FreePort.isListening(port) {
                try await Task.sleep(for: .milliseconds(50))
            }
            if process.isRunning && FreePort.isListening(port) && FreePort.isListening(port + 1) {
                return SoftwareTPM(stateDirectory: state, port: port, process: process)
            }
            await process.stop()
        }
        throw TestFailure("swtpm did not start on 127.0.0.1")
    }

    private init(stateDirectory: URL, port: Int, process: ManagedProcess) {
        self.stateDirectory = stateDirectory
        self.port = port
        self.process = process
    }

    public func stop() async {
        await process.stop()
    }
}
