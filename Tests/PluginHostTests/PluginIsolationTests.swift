import Crypto
import Foundation
import JoinCore
import PluginProtocol
import Logging
@testable import PluginHost
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What a plugin program really receives from its host, seen from inside: the fixture program
/// (Tests/PluginFixture) writes its environment, open descriptors and user to a file
/// (`report_path` setting) when it starts, and these tests start it the way the Auth server
/// and the joining side do, with the host's environment full of secrets.
final class PluginIsolationTests: XCTestCase {
    private let logger = Logger(label: "plugin-isolation-test")
    private var supervisors: [PluginSupervisor] = []
    private var scratch: URL?
    /// The variables this test changed, with the value each had before (`nil`: unset).
    private var savedVariables: [String: String?] = [:]

    /// What an Auth server's environment may hold that no plugin should see.
    static let hostSecrets: [String: String] = [
        "AWS_ACCESS_KEY_ID": "AKIAHOSTSECRET000001",
        "AWS_SECRET_ACCESS_KEY": "host-secret-access-key-do-not-leak",
        "AWS_SESSION_TOKEN": "host-session-token-do-not-leak",
        "AWS_PROFILE": "host-profile",
        "PGPASSWORD": "host-postgres-password",
        "DATABASE_URL": "postgresql://joinery:host-db-secret@127.0.0.1:5432/joinery",
        "TELEPORT_CONN_STRING": "postgresql://joinery:host-db-secret@db.internal/teleport?sslmode=verify-full",
        "HTTPS_PROXY": "http://user:host-proxy-secret@proxy.internal:3128",
        "JOINERY_TEST_UNRELATED": "host-only",
    ]

    override func tearDown() async throws {
        for supervisor in supervisors { await supervisor.stop() }
        supervisors = []
        // Restored, not just unset: later tests in this process need PATH, LANG and the rest.
        for (name, original) in savedVariables {
            if let original { setenv(name, original, 1) } else { unsetenv(name) }
        }
        savedVariables = [:]
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    private static var fixturePath: String { ClusterProcesses.binaries.appendingPathComponent("joinery-fixture-plugin").path }

    private func setHostEnvironment(_ variables: [String: String]) {
        for (name, value) in variables {
            if savedVariables[name] == nil {
                savedVariables[name] = .some(ProcessInfo.processInfo.environment[name])
            }
            setenv(name, value, 1)
        }
    }

    /// A directory anyone may write to, so a plugin running as another user can leave its report.
    private func reportPath() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-isolation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        chmod(directory.path, 0o777)
        scratch = directory
        return directory.appendingPathComponent("report.json").path
    }

    private func spec(report: String, settings: [String: JSONValue] = [:], environment: [String: String] = [:],
                      passEnvironment: [String] = [], runAs: String? = nil) throws -> ExternalPluginSpec {
        guard let bytes = FileManager.default.contents(atPath: Self.fixturePath) else {
            throw XCTSkip("the fixture plugin is not built at \(Self.fixturePath); run `swift build --build-tests`")
        }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        var all = settings
        all["report_path"] = .string(report)
        return try ExternalPluginSpec(name: "fixture", command: Self.fixturePath, sha256: digest, settings: .object(all),
                                      environment: environment, passEnvironment: passEnvironment, runAs: runAs)
    }

    /// Starts the program as a host does (checksum, private directory, `Describe`) and returns
    /// what it reported about itself.
    private func startAndReport(_ spec: ExternalPluginSpec, serverHalf: Bool = true,
                                joinParams: JSONValue = .object([:])) async throws -> FixtureReport {
        let supervisor = try PluginSupervisor(spec: spec, serverHalf: serverHalf, joinParams: joinParams, logger: logger)
        supervisors.append(supervisor)
        _ = try await supervisor.describe()
        let path = try XCTUnwrap(spec.settings["report_path"]?.stringValue)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), "the fixture wrote no report")
        return try JSONDecoder().decode(FixtureReport.self, from: data)
    }

    func testAPluginSeesNoneOfTheHostsAWSOrDatabaseSecrets() async throws {
        setHostEnvironment(Self.hostSecrets)
        XCTAssertEqual(ProcessInfo.processInfo.environment["AWS_SECRET_ACCESS_KEY"], Self.hostSecrets["AWS_SECRET_ACCESS_KEY"],
                       "precondition: the host really has the secrets")
        let report = try await startAndReport(try spec(report: try reportPath()))
        for name in Self.hostSecrets.keys.sorted() {
            XCTAssertNil(report.environment[name], "\(name) reached the plugin")
        }
        for (name, value) in report.environment {
            for secret in Self.hostSecrets.values {
                XCTAssertFalse(value.contains(secret), "\(name) carries a host secret")
            }
        }
        let allowed: Set<String> = ["PATH", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
                                    PluginEnvironment.settingsVariable, PluginEnvironment.joinParamsVariable,
                                    PluginEnvironment.dataDirectoryVariable]
        XCTAssertEqual(Set(report.environment.keys).subtracting(allowed), [], "variables outside the allow-list")
    }

    func testAPluginGetsTheMinimalBaseAndItsOwnSettings() async throws {
        setHostEnvironment(["PATH": "/opt/host-only/bin:.:/usr/bin", "LANG": "C.UTF-8", "TZ": "Europe/Paris"])
        let report = try await startAndReport(try spec(report: try reportPath(), settings: ["ca_bundle_path": .string("/etc/ca.pem")]))
        XCTAssertEqual(report.environment["PATH"], PluginChildEnvironment.path, "the host's PATH is not handed on")
        XCTAssertEqual(report.environment["LANG"], "C.UTF-8")
        XCTAssertEqual(report.environment["TZ"], "Europe/Paris")
        XCTAssertNil(report.environment["HOME"], "no HOME without run_as")
        let temporary = try XCTUnwrap(report.environment["TMPDIR"])
        XCTAssertTrue(temporary.hasPrefix("/tmp/joinery-plugin-") && temporary.hasSuffix("/tmp"), temporary)
        var info = stat()
        XCTAssertEqual(stat(temporary, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700, "the plugin's TMPDIR is private")
        let settings = try XCTUnwrap(report.environment[PluginEnvironment.settingsVariable])
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(settings.utf8))
        XCTAssertEqual(decoded["ca_bundle_path"]?.stringValue, "/etc/ca.pem")
    }

    func testTheJoiningSideGetsItsJoinParamsButNotTheHostsEnvironment() async throws {
        setHostEnvironment(Self.hostSecrets)
        let report = try await startAndReport(try spec(report: try reportPath()), serverHalf: false,
                                              joinParams: .object(["behaviour": .string("ok")]))
        let joinParams = try XCTUnwrap(report.environment[PluginEnvironment.joinParamsVariable])
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: Data(joinParams.utf8))["behaviour"]?.stringValue, "ok")
        XCTAssertNil(report.environment["AWS_SECRET_ACCESS_KEY"])
        XCTAssertNil(report.environment["DATABASE_URL"])
    }

    func testConfiguredEnvAndPassEnvReachThePluginAndNothingMore() async throws {
        setHostEnvironment(Self.hostSecrets)
        let spec = try spec(report: try reportPath(), environment: ["AWS_REGION": "eu-west-1", "PATH": "/opt/plugin/bin:/usr/bin"],
                            passEnvironment: ["AWS_ACCESS_KEY_ID", "HTTPS_PROXY", "JOINERY_TEST_NOT_SET_ANYWHERE"])
        let report = try await startAndReport(spec)
        XCTAssertEqual(report.environment["AWS_REGION"], "eu-west-1")
        XCTAssertEqual(report.environment["PATH"], "/opt/plugin/bin:/usr/bin", "env: may override the base")
        XCTAssertEqual(report.environment["AWS_ACCESS_KEY_ID"], Self.hostSecrets["AWS_ACCESS_KEY_ID"])
        XCTAssertEqual(report.environment["HTTPS_PROXY"], Self.hostSecrets["HTTPS_PROXY"])
        XCTAssertNil(report.environment["JOINERY_TEST_NOT_SET_ANYWHERE"], "an unset pass_env name stays unset")
        XCTAssertNil(report.environment["AWS_SECRET_ACCESS_KEY"], "only the names passed are passed")
        XCTAssertNil(report.environment["DATABASE_URL"])
    }

    func testNoInheritedFileDescriptorReachesThePlugin() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("host-secret-\(UUID().uuidString)").path
        XCTAssertTrue(FileManager.default.createFile(atPath: marker, contents: Data("host secret".utf8)))
        defer { unlink(marker) }
        let open = Glibc.open(marker, O_RDONLY)
        XCTAssertGreaterThan(open, 2)
        defer { close(open) }
        var pipeEnds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&pipeEnds), 0)
        defer { pipeEnds.forEach { close($0) } }
        for descriptor in [open] + pipeEnds {
            XCTAssertEqual(fcntl(descriptor, F_GETFD) & FD_CLOEXEC, 0, "precondition: \(descriptor) is inheritable")
        }
        let report = try await startAndReport(try spec(report: try reportPath()))
        XCTAssertEqual(Set(report.descriptors.keys), ["0", "1", "2"], "descriptors the plugin holds: \(report.descriptors)")
        XCTAssertTrue(try XCTUnwrap(report.descriptors["0"]).hasPrefix("pipe:"), "standard input is the host's pipe")
        XCTAssertFalse(report.descriptors.values.contains(marker))
    }

    func testAPluginCannotGainPrivilegesThroughSetuidPrograms() async throws {
        let report = try await startAndReport(try spec(report: try reportPath()))
        XCTAssertEqual(report.noNewPrivileges, "1")
    }

    func testRunAsRunsThePluginUnderThatUsersIDsAndGroups() async throws {
        guard geteuid() == 0 else { throw XCTSkip("run_as needs the tests to run as root") }
        let nobody = try XCTUnwrap(getpwnam("nobody")?.pointee)
        // The host's own supplementary groups must not reach the plugin.
        var original = [gid_t](repeating: 0, count: Int(max(getgroups(0, nil), 0)))
        _ = getgroups(Int32(original.count), &original)
        XCTAssertEqual(setgroups(2, [0, 4]), 0)
        defer { _ = setgroups(original.count, original) }
        let report = try await startAndReport(try spec(report: try reportPath(), runAs: "nobody"))
        XCTAssertEqual(report.uid, Int(nobody.pw_uid))
        XCTAssertEqual(report.euid, Int(nobody.pw_uid))
        XCTAssertEqual(report.gid, Int(nobody.pw_gid))
        XCTAssertEqual(report.egid, Int(nobody.pw_gid))
        XCTAssertEqual(Set(report.groups), [Int(nobody.pw_gid)], "only nobody's own groups")
        XCTAssertEqual(report.environment["HOME"], String(cString: nobody.pw_dir))
        XCTAssertEqual(report.noNewPrivileges, "1")
        var info = stat()
        let temporary = try XCTUnwrap(report.environment["TMPDIR"])
        XCTAssertEqual(stat(temporary, &info), 0)
        XCTAssertEqual(info.st_uid, nobody.pw_uid, "the plugin's TMPDIR belongs to its user")
    }

    func testRunAsAUserThatDoesNotExistStopsStartUpWithAClearError() async throws {
        do {
            _ = try await ExternalJoinPlugins.serverPlugin(try spec(report: try reportPath(), runAs: "joinery-no-such-user"),
                                                           dataDirectory: nil, logger: logger)
            XCTFail("a plugin with an unknown run_as user was started")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertEqual(error.message,
                "join plugin fixture: run_as user \"joinery-no-such-user\" does not exist on this host (check with `getent passwd joinery-no-such-user`)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: try XCTUnwrap(scratch).appendingPathComponent("report.json").path),
                       "nothing was started")
    }

    func testRunAsFromAnUnprivilegedHostIsRefusedWithTheReason() throws {
        XCTAssertThrowsError(try PluginUser.resolve("nobody", plugin: "fixture", hostUID: 1000)) { error in
            let message = (error as? JoinError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains("run_as: nobody needs this process to run as root"), message)
            XCTAssertTrue(message.contains("it runs as uid 1000"), message)
        }
        // A host already running as that user has nothing to switch.
        let nobody = try XCTUnwrap(getpwnam("nobody")?.pointee)
        let same = try PluginUser.resolve("nobody", plugin: "fixture", hostUID: nobody.pw_uid)
        XCTAssertFalse(same.switches)
    }

    func testAProgramThatCannotBeStartedIsReportedWithTheFailedStep() throws {
        XCTAssertThrowsError(try PluginProcess(executable: "/nonexistent/joinery-plugin", arguments: [], environment: [:])) { error in
            let message = (error as? JoinError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains("exec failed"), message)
            XCTAssertTrue(message.contains("No such file or directory"), message)
        }
    }
}

/// The fixture's report (Tests/PluginFixture/IsolationReport.swift).
struct FixtureReport: Decodable {
    let environment: [String: String]
    let descriptors: [String: String]
    let uid: Int
    let euid: Int
    let gid: Int
    let egid: Int
    let groups: [Int]
    let noNewPrivileges: String

    private enum CodingKeys: String, CodingKey {
        case environment, descriptors, uid, euid, gid, egid, groups, noNewPrivileges = "no_new_privs"
    }
}
