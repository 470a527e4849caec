import Foundation
import IAMJoin
import JoinCore

/// The `iam` method's solution: the node's signed `sts:GetCallerIdentity` request in HTTP/1.1
/// wire form, parsed and checked before the Auth server forwards anything to AWS.
enum IAMFuzzing {
    /// A fixed challenge, so inputs that carry it get past the challenge check to the
    /// Authorization header and body checks (a real attempt's challenge is random).
    static let challenge = IAMChallenge(value: "pIDgrtNuuDWsgWtVgNAygmbNZ5OjM5F3Az+J+cL+Q/0")

    /// A fixed key binding, for the same reason.
    static let keyBinding = KeyBinding(sshPublicKey: Data("fuzz ssh key".utf8), tlsPublicKey: Data("fuzz tls key".utf8))

    static let checks: STSIdentityRequestChecks? = {
        guard case .success(let allowList) = STSHostAllowList.bundled else { return nil }
        return STSIdentityRequestChecks(allowList: allowList, fipsOnly: false)
    }()

    /// Parses `bytes` as a solution and runs the checks made before any connection.
    static func check(_ bytes: [UInt8]) {
        guard let checks else { preconditionFailure("the bundled STS endpoint list did not load") }
        guard let request = try? SignedHTTPRequest.parse(bytes) else { return }
        _ = try? checks.check(request, challenge: challenge, keyBinding: keyBinding)
    }

    static let signedRequest = FuzzTarget(
        "iam-request", maximumLength: 20 * 1024, fixtureSeeds: ["sigv4/aws4_testsuite"], setUp: { _ = checks }
    ) { bytes in
        check(bytes)
    }
}
