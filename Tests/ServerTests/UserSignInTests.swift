import AccessControl
import Crypto
import Foundation
import JoinCore
import Server
import SwiftASN1
import TestSupport
import TokenJoin
import X509
import XCTest

/// The Auth server's side of users, without a network: invites, sign-in (password, OTP,
/// lockout, per-address limit), what the certificates carry, and who they identify.
final class UserSignInTests: XCTestCase {
    private var cluster: TestCluster!
    private let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
    private let password = "a long enough password"

    override func setUp() async throws {
        cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.storedTokens]), clock: clock)
    }

    override func tearDown() async throws {
        await cluster.stop()
    }

    private var keys: JoinerPublicKeys {
        get throws {
            try JoinerPublicKeys(sshWire: Data(SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).wireBytes),
                                 tlsDER: P256.Signing.PrivateKey().publicKey.derRepresentation)
        }
    }

    /// Creates `name` and completes its invite; returns the OTP device.
    private func enrolled(_ name: String, roles: [String] = ["access"], logins: [String] = ["root"]) async throws -> TOTPDevice {
        let enrollment = cluster.server.userEnrollment
        let (token, invite) = try await enrollment.invite(user: name, roles: roles, logins: logins, reset: false, lifetime: nil, admin: "test")
        let device = try TOTPDevice(base32Secret: try XCTUnwrap(invite.otpSecret))
        _ = try await enrollment.complete(token: token, password: password, otpCode: device.code(at: clock.now), clientAddress: "10.0.0.1:1")
        clock.advance(by: 30)
        return device
    }

    private func signIn(_ name: String, password: String? = nil, code: String, from address: String = "10.0.0.2:5000") async throws -> UserSignIn.Outcome {
        try await cluster.server.userSignIn.signIn(user: name, password: password ?? self.password, otpCode: code, keys: try keys,
                                                   ttl: nil, clientAddress: address)
    }

    func testAnInviteIsSpentOnceAndItsCodeCannotSignIn() async throws {
        let enrollment = cluster.server.userEnrollment
        let (token, invite) = try await enrollment.invite(user: "ann", roles: ["access"], logins: ["root"], reset: false, lifetime: nil, admin: "test")
        let device = try TOTPDevice(base32Secret: try XCTUnwrap(invite.otpSecret))
        let code = device.code(at: clock.now)
        await XCTAssertThrowsErrorAsync(try await enrollment.complete(token: token, password: "short", otpCode: code, clientAddress: "a:1"))
        await XCTAssertThrowsErrorAsync(try await enrollment.complete(token: token, password: password, otpCode: "000000", clientAddress: "a:1"))
        _ = try await enrollment.complete(token: token, password: password, otpCode: code, clientAddress: "a:1")
        await XCTAssertThrowsErrorAsync(try await enrollment.complete(token: token, password: password, otpCode: code, clientAddress: "a:1")) {
            XCTAssertTrue(($0 as? JoinError)?.message.contains("invalid or has expired") ?? false, "\($0)")
        }
        // The enrollment code is spent: signing in with it is a replay.
        await XCTAssertThrowsErrorAsync(try await self.signIn("ann", code: code)) {
            XCTAssertEqual(($0 as? JoinError)?.message, UserSignIn.invalidCredentials)
        }
        // The backend keeps the invite's digest, never the token.
        let keys = try await cluster.backend.range(prefix: "/user_invites/").map(\.key)
        XCTAssertFalse(keys.contains { $0.contains(token) })
    }

    func testCertificatesCarryTheLoginsAndRolesAndAreAUsersNotAHosts() async throws {
        let device = try await enrolled("bob", roles: ["editor", "access"], logins: ["root", "ubuntu"])
        let outcome = try await signIn("bob", code: device.code(at: clock.now))
        XCTAssertEqual(outcome.logins, ["root", "ubuntu"])
        XCTAssertEqual(outcome.expires, clock.now.addingTimeInterval(UserSignIn.defaultTTL))
        let ssh = try SSHCertificate(wireBytes: outcome.certificates.sshCertificate)
        XCTAssertEqual(ssh.kind, .user)
        XCTAssertEqual(ssh.keyID, "bob")
        XCTAssertEqual(ssh.principals, ["root", "ubuntu"])
        XCTAssertEqual(ssh.extensionValue("teleport-roles"), #"{"roles":["editor","access"],"version":"v1"}"#)
        let tls = try Certificate(derEncoded: outcome.certificates.tlsCertificateDER)
        let user = try UserIdentity.verify(tls, userCAs: cluster.server.authorities.user.trustedTLSCertificates, now: clock.now)
        XCTAssertEqual(user.name, "bob")
        XCTAssertEqual(user.roles, ["editor", "access"])
        // Not a host or an admin, whatever its roles are called; not a user to the host CA.
        XCTAssertThrowsError(try cluster.server.authorities.authenticate(tls, now: clock.now))
        XCTAssertThrowsError(try UserIdentity.verify(tls, userCAs: cluster.server.authorities.host.trustedTLSCertificates, now: clock.now))
        XCTAssertThrowsError(try UserIdentity.verify(tls, userCAs: cluster.server.authorities.user.trustedTLSCertificates,
                                                     now: outcome.expires.addingTimeInterval(1)))
    }

    func testAUserWithoutLoginsGetsAPrincipalNoAccountHas() async throws {
        let device = try await enrolled("eve", roles: ["editor"], logins: [])
        let outcome = try await signIn("eve", code: device.code(at: clock.now))
        let principals = try SSHCertificate(wireBytes: outcome.certificates.sshCertificate).principals
        // An empty list would mean "every login" to OpenSSH.
        XCTAssertEqual(principals.count, 1)
        XCTAssertTrue(principals[0].hasPrefix("-teleport-nologin-"), "\(principals)")
    }

    func testTheRolesMaxSessionTTLCapsTheCertificates() async throws {
        let short = try Role(document: Data("""
            kind: role
            version: v7
            metadata: {name: short}
            spec:
              options: {max_session_ttl: 2h}
              allow: {logins: ['{{internal.logins}}'], node_labels: {'*': '*'}}
            """.utf8))
        try await cluster.server.roles.put(short, upsert: false)
        let device = try await enrolled("sam", roles: ["short"])
        let outcome = try await signIn("sam", code: device.code(at: clock.now))
        XCTAssertEqual(outcome.expires, clock.now.addingTimeInterval(2 * 3600))
    }

    func testFiveFailuresLockTheNameAndAnAddressIsLimited() async throws {
        let device = try await enrolled("cat")
        for _ in 0..<LoginAttemptLimiter.maximumFailures {
            await XCTAssertThrowsErrorAsync(try await self.signIn("cat", password: "the wrong password", code: device.code(at: self.clock.now))) {
                XCTAssertEqual(($0 as? JoinError)?.message, UserSignIn.invalidCredentials)
            }
            clock.advance(by: 2)
        }
        await XCTAssertThrowsErrorAsync(try await self.signIn("cat", code: device.code(at: self.clock.now))) {
            XCTAssertEqual(($0 as? JoinError)?.kind, .limitExceeded)
        }
        // An unknown name is counted and locked the same way.
        for _ in 0..<LoginAttemptLimiter.maximumFailures {
            _ = try? await signIn("ghost", code: "123456", from: "10.0.0.3:1")
            clock.advance(by: 2)
        }
        await XCTAssertThrowsErrorAsync(try await self.signIn("ghost", code: "123456", from: "10.0.0.3:1")) {
            XCTAssertEqual(($0 as? JoinError)?.kind, .limitExceeded)
        }
        // After the window, the right credentials work again.
        clock.advance(by: LoginAttemptLimiter.window)
        _ = try await signIn("cat", code: device.code(at: clock.now))

        // One address may not try faster than the limit, whatever the names.
        var limited = false
        for attempt in 0..<Int(UserSignIn.addressLimits.burst) + 1 {
            do {
                _ = try await signIn("nobody-\(attempt)", code: "123456", from: "10.9.9.9:1")
            } catch let error as JoinError where error.kind == .limitExceeded {
                limited = true
                XCTAssertTrue(error.message.contains("too many sign-in attempts from 10.9.9.9"), error.message)
            } catch {}
        }
        XCTAssertTrue(limited)
    }

    func testALockedUserIsRefusedWithTheLocksMessage() async throws {
        let device = try await enrolled("lou")
        try await cluster.server.locks.create(LockResource(name: "lou", target: .user("lou"), message: "on leave", createdAt: nil, createdBy: nil),
                                              upsert: false)
        await XCTAssertThrowsErrorAsync(try await self.signIn("lou", code: device.code(at: self.clock.now))) {
            XCTAssertEqual(($0 as? JoinError)?.message, "user lou is locked: on leave")
        }
        let events = try await cluster.backend.auditEvents(limit: 50)
        XCTAssertTrue(events.contains { $0.type == "user.login" && !$0.success && ($0.reason ?? "").contains("on leave") })
    }
}

/// `XCTAssertThrowsError` for async expressions.
func XCTAssertThrowsErrorAsync<T>(_ expression: @autoclosure () async throws -> T, file: StaticString = #filePath, line: UInt = #line,
                                  _ handler: (any Error) -> Void = { _ in }) async {
    do {
        _ = try await expression()
        XCTFail("no error thrown", file: file, line: line)
    } catch {
        handler(error)
    }
}
