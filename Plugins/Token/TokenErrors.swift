import JoinCore

/// Every message the `token` method refuses a token with, worded once
/// (docs/join-methods/token.md shows them). The method refuses no join itself: the pipeline's
/// lookup, expiry and role checks word those.
enum TokenErrors {
    static let allowRulesNotSupported = JoinError.badParameter("allow rules are not compatible with the token join method")
    static let awsIIDTTLNotSupported = JoinError.badParameter("aws_iid_ttl is only used by the ec2 join method")
}
