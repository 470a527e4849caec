import AWSKit
import JoinCore

/// The checks of spec §7.3 steps 2–8 on a parsed request, in Teleport's order, before the
/// Auth server makes any connection: path `/`, `Host` on the allow-list (the FIPS set when
/// required), `POST`, the challenge header equal to this attempt's challenge (constant time)
/// and covered by the SigV4 signature, and the exact GetCallerIdentity body; then ours: the
/// key-binding header, signed too, equal to the binding of the keys in this join's `ClientInit`
/// (see ``KeyBinding``), so a request signed for one set of keys certifies no other.
///
/// The Auth server does not verify the signature itself (it has no key): AWS does, when the
/// request is forwarded. These checks make sure what AWS verifies is the question we mean —
/// "who signed *this* challenge?" — asked of AWS and nobody else.
package struct STSIdentityRequestChecks {
    static let expectedBody = "Action=GetCallerIdentity&Version=2011-06-15"
    static let challengeHeader = "X-Teleport-Challenge"
    /// Carries ``KeyBinding/text`` of the keys the node generated; signed like the challenge.
    static let keyBindingHeader = "X-Joinery-Key-Binding"

    /// What the checks established: the allow-listed host to forward to, and the values that
    /// must never appear in a message (signature, session token).
    package struct Passed {
        let host: String
        let secrets: [String]
    }

    let allowList: STSHostAllowList
    let fipsOnly: Bool

    package init(allowList: STSHostAllowList, fipsOnly: Bool) {
        self.allowList = allowList
        self.fipsOnly = fipsOnly
    }

    package func check(_ request: SignedHTTPRequest, challenge: IAMChallenge, keyBinding: KeyBinding) throws -> Passed {
        guard request.target == "/" else { throw IAMErrors.unexpectedURI(request.target) }

        let host = request.header("Host") ?? ""
        guard allowList.isListed(host) else { throw IAMErrors.unknownHost(host, valid: allowList.hosts) }
        guard allowList.allows(host, fipsOnly: fipsOnly) else { throw IAMErrors.nonFIPSHost(host, valid: allowList.fipsHosts) }

        guard request.method == "POST" else { throw IAMErrors.wrongMethod(request.method) }

        guard let sent = request.header(Self.challengeHeader),
              ConstantTime.equals(Array(sent.utf8), Array(challenge.value.utf8)) else {
            throw IAMErrors.challengeMismatch
        }
        guard let authorizationText = request.header("Authorization") else { throw IAMErrors.missingAuthorization }
        let authorization: SigV4Authorization
        do {
            authorization = try SigV4Authorization(parsing: authorizationText)
        } catch let error as JoinError {
            throw IAMErrors.unreadableAuthorization(error.message)
        }
        guard authorization.signedHeaderNames.contains(Self.challengeHeader.lowercased()) else {
            throw IAMErrors.challengeNotSigned
        }

        guard request.body == Array(Self.expectedBody.utf8) else { throw IAMErrors.unexpectedBody(request.body) }

        guard let boundText = request.header(Self.keyBindingHeader) else { throw IAMErrors.keyBindingMissing }
        guard authorization.signedHeaderNames.contains(Self.keyBindingHeader.lowercased()) else {
            throw IAMErrors.keyBindingNotSigned
        }
        guard let bound = KeyBinding(text: boundText), bound.matches(keyBinding) else { throw IAMErrors.keyBindingMismatch }

        var secrets = [authorization.signature]
        if let token = request.header(SigV4Signer.securityTokenHeader) { secrets.append(token) }
        return Passed(host: host, secrets: secrets)
    }
}
