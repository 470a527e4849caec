import Foundation
import SSHService
import TestSupport
import XCTest

/// What the SSH Service needs from swift-nio-ssh beyond its documented API, checked against the
/// version actually linked.
final class NIOSSHCapabilityTests: XCTestCase {
    private var bed: SSHTestBed!

    override func tearDown() async throws {
        await bed?.tearDown()
    }

    /// The SSH Service accepts nothing but certificates, so this must hold for any login to work.
    /// It fails with swift-nio-ssh 0.15.1, whose USERAUTH_REQUEST parser only knows plain key
    /// algorithm names; a one-line patch (add `NIOSSHCertifiedPublicKey`'s four key prefixes to
    /// `NIOSSHPublicKey.knownAlgorithms`) makes it pass.
    func testOpenSSHUserCertificateReachesTheAuthenticationDelegate() async throws {
        bed = try SSHTestBed()
        try await bed.start()
        let key = try bed.userKey("alice", ca: bed.userCA)
        let result = try bed.ssh(key: key, command: "echo certificate-login-works")
        let reasons = await bed.auditor.events.compactMap(\.reason)
        XCTAssertEqual(result.stdout, "certificate-login-works\n",
                       "\(CertificateLoginSupport.explanation). Refusals recorded: \(reasons)")
        let asked = await bed.policy.requests
        XCTAssertEqual(asked.map(\.user), ["alice"], "the policy was never asked: the certificate did not reach the delegate")
    }
}
