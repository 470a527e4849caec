import Crypto
import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15 item 8 through the real binary: `teleport start` with AWS credentials and database
/// connection strings in its environment loads the fixture plugin from `auth_service.join_plugins`
/// (with `pass_env` and, when the tests run as root, `run_as: nobody`), and the plugin reports
/// what it received.
final class PluginIsolationEndToEndTests: XCTestCase {
    private var cluster: ClusterProcesses?
    private var scratch: URL?

    override func tearDown() async throws {
        await cluster?.stop()
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    private static let secrets: [String: String] = [
        "AWS_ACCESS_KEY_ID": "AKIAAUTHSERVER000001",
        "AWS_SECRET_ACCESS_KEY": "auth-server-secret-access-key",
        "AWS_SESSION_TOKEN": "auth-server-session-token",
        "PGPASSWORD": "auth-server-postgres-password",
        "DATABASE_URL": "postgresql://joinery:auth-db-secret@127.0.0.1:5432/joinery",
        "HTTPS_PROXY": "http://user:auth-proxy-secret@proxy.internal:3128",
    ]

    func testTheAuthServersPluginHoldsNoneOfItsAWSOrDatabaseSecrets() async throws {
        let program = ClusterProcesses.binaries.appendingPathComponent("joinery-fixture-plugin").path
        guard let bytes = FileManager.default.contents(atPath: program) else {
            throw XCTSkip("the fixture plugin is not built at \(program)")
        }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-isolation-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        chmod(directory.path, 0o777)
        scratch = directory
        let report = directory.appendingPathComponent("report.json").path
        let asRoot = geteuid() == 0
        let cluster = try ClusterProcesses(extraAuthYAML: """
              join_plugins:
                - name: fixture
                  command: \(program)
                  sha256: \(digest)
                  config: {report_path: \(report)}
                  env: {AWS_REGION: eu-west-1}
                  pass_env: [AWS_ACCESS_KEY_ID]
            \(asRoot ? "      run_as: nobody\n" : "")
            """, authEnvironment: Self.secrets)
        self.cluster = cluster
        try await cluster.startAuth()

        let data = try XCTUnwrap(FileManager.default.contents(atPath: report), "the plugin wrote no report")
        let seen = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let environment = try XCTUnwrap(seen["environment"] as? [String: String])
        for name in ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PGPASSWORD", "DATABASE_URL", "HTTPS_PROXY"] {
            XCTAssertNil(environment[name], "\(name) reached the plugin")
        }
        for (name, value) in environment where name != "AWS_ACCESS_KEY_ID" {
            for secret in Self.secrets.values { XCTAssertFalse(value.contains(secret), "\(name) carries a secret") }
        }
        XCTAssertEqual(environment["AWS_ACCESS_KEY_ID"], Self.secrets["AWS_ACCESS_KEY_ID"], "pass_env passes what is named")
        XCTAssertEqual(environment["AWS_REGION"], "eu-west-1")
        let descriptors = try XCTUnwrap(seen["descriptors"] as? [String: String])
        XCTAssertEqual(Set(descriptors.keys), ["0", "1", "2"], "the Auth server's sockets and files reached the plugin: \(descriptors)")
        if asRoot, let nobody = getpwnam("nobody")?.pointee {
            XCTAssertEqual(seen["uid"] as? Int, Int(nobody.pw_uid))
            XCTAssertEqual(seen["gid"] as? Int, Int(nobody.pw_gid))
        }
    }
}
