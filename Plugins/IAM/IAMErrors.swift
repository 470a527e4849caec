import JoinCore

/// Every message the IAM method rejects a token or a join with, worded once
/// (docs/join-methods/iam.md lists them). Client-chosen text is shown through ``display(_:)``;
/// nothing secret (the signature, a session token) is ever part of a message.
enum IAMErrors {
    // MARK: Creating the token (`tctl create`)

    static let noAllowRules = JoinError.badParameter("the \"iam\" join method requires defined token allow rules")

    static func allowRuleHasRole(index: Int) -> JoinError {
        .badParameter("spec.allow[\(index)]: the \"iam\" join method does not support aws_role (it is for the ec2 method)")
    }

    static func allowRuleHasRegions(index: Int) -> JoinError {
        .badParameter("spec.allow[\(index)]: the \"iam\" join method does not support aws_regions (it is for the ec2 method)")
    }

    static func allowRuleNamesNoAccount(index: Int) -> JoinError {
        .badParameter("spec.allow[\(index)]: allow rule for \"iam\" join method must include aws_account or aws_arn")
    }

    // MARK: A refused join

    static func wrongTokenMethod(_ method: String) -> JoinError {
        .accessDenied("this token does not support the IAM join method (its join_method is \(display(method)))")
    }

    static func unexpectedURI(_ target: String) -> JoinError {
        .accessDenied("unexpected sts identity request URI \(display(target)): it must be \"/\"")
    }

    static func unknownHost(_ host: String, valid: [String]) -> JoinError {
        .accessDenied("IAM join request uses unknown STS host \(display(host)); the Auth server only forwards to known STS endpoints. If the node runs in an AWS region this Auth server does not know yet, upgrade the Auth server; otherwise someone may be trying to join with a forged request. Valid endpoints: \(valid.joined(separator: ", "))")
    }

    static func nonFIPSHost(_ host: String, valid: [String]) -> JoinError {
        .accessDenied("node selected non-FIPS STS endpoint \(display(host)) for the IAM join method, but this Auth server requires FIPS endpoints (auth_service.aws.fips: true): set join_params.iam.fips: true on the node. FIPS endpoints: \(valid.joined(separator: ", "))")
    }

    static func wrongMethod(_ method: String) -> JoinError {
        .accessDenied("sts identity request method \(display(method)) does not match expected method \"POST\"")
    }

    static let challengeMismatch = JoinError.accessDenied(
        "sts identity request does not include challenge header or it does not match")

    static let missingAuthorization = JoinError.accessDenied(
        "sts identity request has no SigV4 Authorization header")

    static func unreadableAuthorization(_ reason: String) -> JoinError {
        .accessDenied("sts identity request has an unreadable Authorization header: \(reason)")
    }

    static let challengeNotSigned = JoinError.accessDenied(
        "sts identity request does not include x-teleport-challenge as a signed header (it is not in the Authorization header's SignedHeaders)")

    static let keyBindingMissing = JoinError.accessDenied(
        "sts identity request has no x-joinery-key-binding header: the node must bind its signed request to the keys it asks to have certified (upgrade the node)")

    static let keyBindingNotSigned = JoinError.accessDenied(
        "sts identity request does not include x-joinery-key-binding as a signed header (it is not in the Authorization header's SignedHeaders)")

    static let keyBindingMismatch = JoinError.accessDenied(
        "sts identity request was signed for other public keys than the ones this join asks to certify: something between the node and the Auth server (a proxy or relay) replaced the keys in ClientInit")

    /// The pipeline always passes the binding; only a hand-made attempt lacks one.
    static let noKeyBinding = JoinError.internalError(
        "the join attempt carries no key binding, so the IAM proof cannot be bound to the keys being certified")

    static func unexpectedBody(_ body: [UInt8]) -> JoinError {
        .badParameter("sts identity request body \(display(String(decoding: body.prefix(120), as: UTF8.self))) does not equal expected \"\(STSIdentityRequestChecks.expectedBody)\"")
    }

    static func stsStatus(_ status: String, body: String) -> JoinError {
        .accessDenied("aws sts api returned status: \"\(status)\" body: \"\(body)\"")
    }

    static func stsAnswerWithoutIdentity(_ reason: String) -> JoinError {
        .badParameter("aws sts api answered GetCallerIdentity without a usable Account and Arn: \(reason)")
    }

    static func noMatchingRule(arn: String, token: String) -> JoinError {
        .accessDenied("instance \(arn) did not match any allow rules in token \(token)")
    }

    /// Client-chosen text for a message: quoted, control characters and quotes replaced, cut short.
    static func display(_ text: String, limit: Int = 120) -> String {
        UntrustedString.quoted(text, limit: limit)
    }
}
