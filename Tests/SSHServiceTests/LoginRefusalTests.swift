import Foundation
import SSHService
import TestSupport
import XCTest

/// Every way a login is refused: the client fails to authenticate, and the audit log says why.
final class LoginRefusalTests: XCTestCase {
    private var bed: SSHTestBed!

    override func tearDown() async throws {
        await bed?.tearDown()
    }

    /// Every refusal but the plain key's needs a certificate to reach the delegate first.
    private func start(policy: SSHLoginDecision = .allow, now: (@Sendable () -> Date)? = nil,
                       needsCertificates: Bool = true) async throws {
        if needsCertificates { try await CertificateLoginSupport.require() }
        bed = try SSHTestBed(policy: policy)
        try await bed.start(now: now)
    }

    /// Runs `ssh` expecting authentication to fail; returns the audited reason.
    private func refusedReason(login: String = "root", key: String, file: StaticString = #filePath, line: UInt = #line) async throws -> String? {
        let result = try bed.ssh(login: login, key: key, command: "echo must-not-run")
        XCTAssertEqual(result.status, 255, file: file, line: line)
        XCTAssertFalse(result.stdout.contains("must-not-run"), file: file, line: line)
        XCTAssertTrue(result.stderr.contains("Permission denied"), result.stderr, file: file, line: line)
        let event = await bed.auditor.waitFor(.authFailure)
        XCTAssertEqual(event?.login, login, file: file, line: line)
        let sessions = await bed.auditor.events.filter { $0.kind == .sessionStart }
        XCTAssertEqual(sessions, [], file: file, line: line)
        return event?.reason
    }

    func testCertificateFromAnotherCAIsRefused() async throws {
        try await start()
        let otherCA = bed.directory.appendingPathComponent("other-ca").path
        try SSHTestBed.keygen(otherCA)
        let key = try bed.userKey("mallory", ca: otherCA)
        let reason = try await refusedReason(key: key)
        XCTAssertTrue(reason?.contains("which is not a trusted user CA") ?? false, "\(reason ?? "nil")")
        let asked = await bed.policy.requests
        XCTAssertEqual(asked, [])
    }

    func testExpiredCertificateIsRefused() async throws {
        // The certificate is valid for the next hour of real time; the server's clock is two hours ahead.
        try await start(now: { Date().addingTimeInterval(7200) })
        let key = try bed.userKey("alice", ca: bed.userCA, validity: "-5m:+1h")
        let reason = try await refusedReason(key: key)
        XCTAssertTrue(reason?.hasPrefix("the certificate expired at ") ?? false, "\(reason ?? "nil")")
        let event = await bed.auditor.waitFor(.authFailure)
        XCTAssertEqual(event?.user, "alice")
    }

    func testCertificateNotYetValidIsRefused() async throws {
        try await start(now: { Date().addingTimeInterval(-7200) })
        let key = try bed.userKey("alice", ca: bed.userCA, validity: "-5m:+1h")
        let reason = try await refusedReason(key: key)
        XCTAssertTrue(reason?.hasPrefix("the certificate is not valid before ") ?? false, "\(reason ?? "nil")")
    }

    func testLoginNotAmongPrincipalsIsRefused() async throws {
        try await start()
        let key = try bed.userKey("alice", ca: bed.userCA, principals: ["alice", "ubuntu"])
        let reason = try await refusedReason(key: key)
        XCTAssertEqual(reason, "login root is not among the certificate's principals (alice, ubuntu)")
    }

    func testLoginThePolicyDeniesIsRefusedWithThePolicysReason() async throws {
        try await start(policy: .deny("role access does not allow login root on this node"))
        let key = try bed.userKey("alice", ca: bed.userCA)
        let reason = try await refusedReason(key: key)
        XCTAssertEqual(reason, "role access does not allow login root on this node")
        let asked = await bed.policy.requests
        XCTAssertEqual(asked.map(\.user), ["alice"])
    }

    func testPlainKeyWithoutCertificateIsRefused() async throws {
        try await start(needsCertificates: false)
        let key = try bed.userKey("plain", ca: nil)
        let reason = try await refusedReason(key: key)
        XCTAssertEqual(reason, "the client offered a plain public key, not a certificate signed by the cluster's user CA")
    }

    func testUnknownUnixLoginIsRefused() async throws {
        try await start()
        let key = try bed.userKey("alice", ca: bed.userCA, principals: ["nosuchuser-joinery"])
        let reason = try await refusedReason(login: "nosuchuser-joinery", key: key)
        XCTAssertEqual(reason, "login nosuchuser-joinery does not exist on this node")
        let asked = await bed.policy.requests
        XCTAssertEqual(asked, [])
    }

    func testUnenforceableCriticalOptionIsRefused() async throws {
        try await start()
        let key = try bed.userKey("alice", ca: bed.userCA, options: ["source-address=127.0.0.1/32"])
        let reason = try await refusedReason(key: key)
        XCTAssertEqual(reason, "the certificate carries critical option source-address, which this SSH Service does not enforce")
    }
}
