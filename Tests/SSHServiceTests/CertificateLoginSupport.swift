import Foundation
import XCTest

/// Whether the linked swift-nio-ssh lets an OpenSSH user certificate reach the server's
/// authentication delegate at all, found out once per test run with a real `ssh` login.
///
/// swift-nio-ssh 0.15.1 parses a `publickey` USERAUTH_REQUEST only when the algorithm is a
/// plain key type (`NIOSSHPublicKey.knownAlgorithms`); OpenSSH offers a certificate as
/// `ssh-ed25519-cert-v01@openssh.com`, which NIOSSH turns into an unknown method and refuses
/// before the delegate is asked. The suites that log in with certificates skip (with this
/// reason) when that is so; ``NIOSSHCapabilityTests`` fails loudly instead.
actor CertificateLoginSupport {
    static let shared = CertificateLoginSupport()
    static let explanation = """
        the linked swift-nio-ssh refuses OpenSSH certificate algorithm names in USERAUTH_REQUEST \
        (NIOSSHPublicKey.knownAlgorithms lacks the *-cert-v01@openssh.com names), so no certificate login can succeed; \
        see NIOSSHCapabilityTests
        """

    private var supported: Bool?

    func isSupported() async -> Bool {
        if let supported { return supported }
        let result = await Self.probe()
        supported = result
        return result
    }

    private static func probe() async -> Bool {
        guard let bed = try? SSHTestBed() else { return false }
        var supported = false
        do {
            try await bed.start()
            let key = try bed.userKey("probe", ca: bed.userCA)
            supported = try bed.ssh(key: key, command: "true").status == 0
        } catch {
            supported = false
        }
        await bed.tearDown()
        return supported
    }

    /// Skips the calling test when certificate logins cannot work with this swift-nio-ssh.
    static func require() async throws {
        let supported = await shared.isSupported()
        try XCTSkipUnless(supported, explanation)
    }
}
