@testable import AWSKit
import Foundation
import JoinCore
import XCTest

/// The SDK credential order and region resolution, with temporary files and environment
/// dictionaries (the process environment is never touched).
final class CredentialChainTests: XCTestCase {
    private var directory: URL!

    override func setUp() async throws {
        directory = try TestPaths.temporaryDirectory("credentials")
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// An environment whose HOME is the empty temp directory, so no real ~/.aws leaks in.
    private var isolated: [String: String] { ["HOME": directory.path] }

    private func chain(_ environment: [String: String]) -> AWSCredentialChain {
        AWSCredentialChain.standard(environment: environment, imds: nil)
    }

    func testEnvironmentVariablesComeFirst() async throws {
        let file = try write("credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n")
        let environment = isolated.merging(["AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret",
                                            "AWS_SESSION_TOKEN": "envtoken", "AWS_SHARED_CREDENTIALS_FILE": file]) { $1 }
        let credentials = try await chain(environment).resolve()
        XCTAssertEqual(credentials, AWSCredentials(accessKeyID: "ENVKEY", secretAccessKey: "envsecret", sessionToken: "envtoken"))
    }

    func testAHalfSetEnvironmentIsAnErrorThatNamesTheMissingVariable() async throws {
        do {
            _ = try await chain(isolated.merging(["AWS_ACCESS_KEY_ID": "ENVKEY"]) { $1 }).resolve()
            XCTFail("expected an error")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .badParameter)
            XCTAssertTrue(error.message.contains("AWS_SECRET_ACCESS_KEY"))
        }
    }

    func testSharedCredentialsFileDefaultProfileWhenNoEnvironment() async throws {
        let file = try write("credentials", "# comment\n[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\naws_session_token = filetoken\n\n[other]\naws_access_key_id = OTHER\naws_secret_access_key = othersecret\n")
        let credentials = try await chain(isolated.merging(["AWS_SHARED_CREDENTIALS_FILE": file]) { $1 }).resolve()
        XCTAssertEqual(credentials, AWSCredentials(accessKeyID: "FILEKEY", secretAccessKey: "filesecret", sessionToken: "filetoken"))
    }

    func testDefaultFileLocationsAreUnderHome() async throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        _ = try write(".aws/credentials", "[default]\naws_access_key_id = HOMEKEY\naws_secret_access_key = homesecret\n")
        _ = try write(".aws/config", "[default]\nregion = eu-west-1\n")
        let credentials = try await chain(isolated).resolve()
        XCTAssertEqual(credentials.accessKeyID, "HOMEKEY")
        XCTAssertEqual(try AWSRegionResolver(environment: isolated).region(), "eu-west-1")
    }

    func testAWSProfileSelectsAProfileFromEitherFileWithTheCredentialsFileWinning() async throws {
        let credentialsFile = try write("credentials", "[ci]\naws_access_key_id = CREDFILEKEY\naws_secret_access_key = credfilesecret\n")
        let configFile = try write("config", "[profile ci]\naws_access_key_id = CONFIGKEY\naws_secret_access_key = configsecret\nregion = ap-south-1\n\n[profile only-config]\naws_access_key_id = ONLYCONFIG\naws_secret_access_key = onlyconfigsecret\n")
        let base = isolated.merging(["AWS_SHARED_CREDENTIALS_FILE": credentialsFile, "AWS_CONFIG_FILE": configFile]) { $1 }
        let ci = try await chain(base.merging(["AWS_PROFILE": "ci"]) { $1 }).resolve()
        XCTAssertEqual(ci.accessKeyID, "CREDFILEKEY")
        let onlyConfig = try await chain(base.merging(["AWS_PROFILE": "only-config"]) { $1 }).resolve()
        XCTAssertEqual(onlyConfig.accessKeyID, "ONLYCONFIG")
        XCTAssertEqual(try AWSRegionResolver(environment: base.merging(["AWS_PROFILE": "ci"]) { $1 }).region(), "ap-south-1")
    }

    func testANamedProfileThatDoesNotExistIsAnErrorNamingTheProfileAndFiles() async throws {
        let file = try write("credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n")
        do {
            _ = try await chain(isolated.merging(["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "missing"]) { $1 }).resolve()
            XCTFail("expected an error")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .notFound)
            XCTAssertTrue(error.message.contains("\"missing\""), error.message)
            XCTAssertTrue(error.message.contains(file), error.message)
            XCTAssertFalse(error.message.contains("filesecret"))
        }
    }

    func testMissingFilesAndNoEnvironmentMeanNoCredentialsWithAnActionableMessage() async throws {
        let environment = isolated.merging(["AWS_SHARED_CREDENTIALS_FILE": directory.appendingPathComponent("nope").path]) { $1 }
        let found = try await chain(environment).credentials()
        XCTAssertNil(found)
        do {
            _ = try await chain(environment).resolve()
            XCTFail("expected an error")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .notFound)
            XCTAssertTrue(error.message.contains("AWS_ACCESS_KEY_ID"), error.message)
        }
    }

    func testAProfileThatAssumesARoleIsReportedAsUnsupported() async throws {
        let config = try write("config", "[profile chained]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n")
        do {
            _ = try await chain(isolated.merging(["AWS_CONFIG_FILE": config, "AWS_PROFILE": "chained"]) { $1 }).resolve()
            XCTFail("expected an error")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .notImplemented)
            XCTAssertTrue(error.message.contains("role_arn"), error.message)
        }
    }

    func testRegionOrderIsAWSRegionThenAWSDefaultRegionThenConfig() throws {
        let config = try write("config", "[default]\nregion = us-west-2\n")
        let base = isolated.merging(["AWS_CONFIG_FILE": config]) { $1 }
        XCTAssertEqual(try AWSRegionResolver(environment: base).region(), "us-west-2")
        XCTAssertEqual(try AWSRegionResolver(environment: base.merging(["AWS_DEFAULT_REGION": "eu-central-1"]) { $1 }).region(), "eu-central-1")
        XCTAssertEqual(try AWSRegionResolver(environment: base.merging(["AWS_DEFAULT_REGION": "eu-central-1", "AWS_REGION": "ca-central-1"]) { $1 }).region(), "ca-central-1")
        XCTAssertNil(try AWSRegionResolver(environment: isolated).region())
    }

    func testCachedProviderRefetchesOnlyNearExpiry() async throws {
        let clock = MutableDate(Date(timeIntervalSince1970: 1_000_000))
        let source = CountingProvider(expiration: Date(timeIntervalSince1970: 1_000_000 + 3600))
        let cached = CachedCredentialProvider(source, refreshMargin: 300, now: { clock.value })
        _ = try await cached.credentials()
        _ = try await cached.credentials()
        let callsBeforeExpiry = await source.calls
        XCTAssertEqual(callsBeforeExpiry, 1)
        clock.value = Date(timeIntervalSince1970: 1_000_000 + 3400)
        _ = try await cached.credentials()
        let callsNearExpiry = await source.calls
        XCTAssertEqual(callsNearExpiry, 2)
    }
}

private final class MutableDate: @unchecked Sendable {
    var value: Date
    init(_ value: Date) { self.value = value }
}

private actor CountingProvider: AWSCredentialProvider {
    let expiration: Date
    var calls = 0
    init(expiration: Date) { self.expiration = expiration }
    func credentials() async throws -> AWSCredentials? {
        calls += 1
        return AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s", sessionToken: "t", expiration: expiration)
    }
}
