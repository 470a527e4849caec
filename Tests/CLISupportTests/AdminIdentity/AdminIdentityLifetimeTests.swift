import CLISupport
import Crypto
import Foundation
import JoinCore
import Server
import SwiftASN1
import TestSupport
import X509
import XCTest

/// tctl's identity in `data_dir/admin/` is short-lived, renewed by the running Auth server
/// before it expires, and refused with a message that names the cause once it has expired.
final class AdminIdentityLifetimeTests: XCTestCase {
    private var servers: [RestartableAuthServer] = []

    override func tearDown() async throws {
        for server in servers {
            await server.stop()
            try? await server.backend.close()
        }
        servers = []
    }

    private func server(clock: any JoinClock = SystemClock(), policy: AdminIdentityPolicy = .standard) async throws -> RestartableAuthServer {
        let scratch = try scratchDirectory(self)
        let backend = try SQLiteBackend(path: scratch.appendingPathComponent("backend.sqlite"), clock: clock)
        let server = try await RestartableAuthServer.make(
            dataDirectory: scratch.appendingPathComponent("auth"), backend: backend, clock: clock, policy: policy)
        servers.append(server)
        try await server.start()
        return server
    }

    func testAdminCertificateLivesLessThanADay() async throws {
        let server = try await server()
        let certificate = try server.adminCertificate()
        let lifetime = certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore)
        XCTAssertLessThan(lifetime, 24 * 3600)
        XCTAssertEqual(lifetime, 8 * 3600 + CertificateAuthority.clockSkewAllowance, accuracy: 1)
        XCTAssertEqual(try certificate.extensions.extendedKeyUsage.map(Array.init), [.clientAuth], "an Admin certificate never serves")
    }

    func testAdminCertificateNamesTheServerRunRecordedInTheBackend() async throws {
        let server = try await server()
        let identity = try PeerIdentity(subject: try server.adminCertificate().subject)
        let run = try XCTUnwrap(identity.adminRun)
        let current = try await AdminGenerationStore(backend: server.backend).current(serverID: run.serverID)
        XCTAssertEqual(current, run)
        let storedID = try String(contentsOf: server.dataDirectory.appendingPathComponent("auth_server_id"), encoding: .utf8)
        XCTAssertEqual(storedID.trimmingCharacters(in: .whitespacesAndNewlines), run.serverID)
    }

    func testPolicyRefusesALifetimeOfADayOrARenewalLaterThanHalfOfIt() {
        XCTAssertThrowsError(try AdminIdentityPolicy(lifetime: 24 * 3600, renewAfter: 3600, checkInterval: .seconds(1))) {
            XCTAssertEqual(($0 as? JoinError)?.kind, .badParameter)
        }
        XCTAssertThrowsError(try AdminIdentityPolicy(lifetime: 8 * 3600, renewAfter: 5 * 3600, checkInterval: .seconds(1))) {
            XCTAssertEqual(($0 as? JoinError)?.kind, .badParameter)
        }
        XCTAssertLessThanOrEqual(AdminIdentityPolicy.standard.renewAfter, AdminIdentityPolicy.standard.lifetime / 4)
    }

    func testRunningServerRenewsTheIdentityBeforeItExpires() async throws {
        let clock = ManualClock()
        let policy = try AdminIdentityPolicy(lifetime: 8 * 3600, renewAfter: 3600, checkInterval: .milliseconds(50))
        let server = try await server(clock: clock, policy: policy)
        let first = try server.adminCertificate()
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(try server.adminCertificate(), first, "not renewed while younger than renewAfter")

        clock.advance(by: 3601)
        let renewed = try await eventually { try server.adminCertificate() != first }
        XCTAssertTrue(renewed, "the server wrote a new identity within 10 s")
        let second = try server.adminCertificate()
        XCTAssertLessThan(second.notValidBefore, first.notValidAfter, "renewed while the old one was still valid")
        XCTAssertEqual(second.notValidAfter.timeIntervalSince(first.notValidAfter), 3601, accuracy: 1)
        XCTAssertEqual(try PeerIdentity(subject: second.subject).adminRun, try PeerIdentity(subject: first.subject).adminRun,
                       "the same run")
        let key = try Certificate.PrivateKey(pemEncoded: String(
            contentsOf: server.adminDirectory.appendingPathComponent("admin.key"), encoding: .utf8))
        XCTAssertEqual(key.publicKey, second.publicKey, "a new key with the new certificate")
        XCTAssertNotEqual(first.publicKey, second.publicKey)
        // The server's clock is an hour ahead of tctl's: the renewed identity is still accepted.
        let status = try await adminStatus(identity: server.adminDirectory, at: try XCTUnwrap(server.address))
        XCTAssertEqual(status.clusterName, RestartableAuthServer.clusterName)
    }

    func testExpiredIdentityIsRefusedByTctlBeforeDialingWithTheClearMessage() async throws {
        let scratch = try scratchDirectory(self)
        let ca = try CertificateAuthority.generate(kind: .host, clusterName: "admin.example.com", now: Date())
        let expired = try LocalTLSIdentity.admin(
            hostCA: ca, run: AuthServerRun(serverID: "auth-1", generation: "g1"), lifetime: 3600, now: Date() - 7200)
        let folder = scratch.appendingPathComponent("admin")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try expired.privateKeyPEM.write(to: folder.appendingPathComponent("admin.key"), atomically: true, encoding: .utf8)
        try expired.certificatePEM().write(to: folder.appendingPathComponent("admin.crt"), atomically: true, encoding: .utf8)
        try expired.caCertificatesPEM().write(to: folder.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        // Port 9 on loopback: nothing listens, but the refusal comes before any dial anyway.
        let message = await refusal {
            try AdminConnection(configPath: nil, authServer: "127.0.0.1:9", identityDirectory: folder.path)
        }
        XCTAssertTrue(message.hasPrefix("the admin identity has expired; is the Auth server running?"), message)
    }

    func testCopyThatExpiredOnTheServersClockIsRefusedWithTheClearMessage() async throws {
        let clock = ManualClock()
        let server = try await server(clock: clock)
        let copy = try server.copyAdminIdentity(to: try scratchDirectory(self).appendingPathComponent("copy"))
        _ = try await adminStatus(identity: copy, at: try XCTUnwrap(server.address))
        clock.advance(by: 9 * 3600)
        let message = await refusal { try await adminStatus(identity: copy, at: try XCTUnwrap(server.address)) }
        XCTAssertTrue(message.contains("the admin identity has expired; is the Auth server running?"), message)
    }

    func testKeyThatDoesNotMatchTheCertificateIsRefusedBeforeDialing() async throws {
        let server = try await server()
        let copy = try server.copyAdminIdentity(to: try scratchDirectory(self).appendingPathComponent("copy"))
        try P256.Signing.PrivateKey().pemRepresentation.write(to: copy.appendingPathComponent("admin.key"), atomically: true, encoding: .utf8)
        let message = await refusal {
            try AdminConnection(configPath: nil, authServer: "127.0.0.1:9", identityDirectory: copy.path)
        }
        XCTAssertTrue(message.contains("admin.key") && message.contains("is not the key of admin.crt"), message)
    }

    func testAdminCertificateNamingNoServerRunIsRefused() async throws {
        let server = try await server()
        let copy = try server.copyAdminIdentity(to: try scratchDirectory(self).appendingPathComponent("copy"))
        // An Admin certificate from the host CA, but not written by a running server (as a
        // token with role Admin once yielded).
        let joined = try LocalTLSIdentity.issue(hostCA: server.server.authorities.host, hostID: "stolen", role: .admin, now: Date())
        try joined.privateKeyPEM.write(to: copy.appendingPathComponent("admin.key"), atomically: true, encoding: .utf8)
        try joined.certificatePEM().write(to: copy.appendingPathComponent("admin.crt"), atomically: true, encoding: .utf8)
        let message = await refusal { try await adminStatus(identity: copy, at: try XCTUnwrap(server.address)) }
        XCTAssertTrue(message.contains("was not written by a running Auth server"), message)
    }
}
