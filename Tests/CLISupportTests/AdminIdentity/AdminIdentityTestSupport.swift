import CLIKit
import CLISupport
import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport
import Transport
import X509
import XCTest

extension RestartableAuthServer {
    /// A server on the token method only, with `policy`.
    static func make(dataDirectory: URL, backend: any Backend, clock: any JoinClock = SystemClock(),
                     policy: AdminIdentityPolicy = .standard) async throws -> RestartableAuthServer {
        try await RestartableAuthServer(dataDirectory: dataDirectory, backend: backend, registry: BuiltInJoinMethods.registry,
                                        clock: clock, adminIdentity: policy)
    }

    /// The certificate in `data_dir/admin/admin.crt` now.
    func adminCertificate() throws -> Certificate {
        try Certificate(pemEncoded: String(contentsOf: adminDirectory.appendingPathComponent("admin.crt"), encoding: .utf8))
    }
}

/// `tctl status` as tctl runs it: the identity in `directory` against `address`; a failure is
/// the error tctl would print.
func adminStatus(identity directory: URL, at address: AuthAddress) async throws -> Joinery_V1_StatusResponse {
    let connection = try AdminConnection(configPath: nil, authServer: address.description, identityDirectory: directory.path)
    return try await connection.withAdmin { try await $0.getStatus(Joinery_V1_StatusRequest()) }
}

/// The message of the error `body` throws; fails the test when it throws none.
func refusal<T>(_ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async -> String {
    do {
        _ = try await body()
        XCTFail("the call succeeded", file: file, line: line)
        return ""
    } catch let error as JoinError {
        return error.message
    } catch {
        return "\(error)"
    }
}

/// Polls `condition` every 50 ms for at most `seconds`.
func eventually(seconds: Double = 10, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try condition()
}

/// A scratch directory removed by the test's teardown.
func scratchDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-admin-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
