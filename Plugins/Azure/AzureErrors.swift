import JoinCore

/// The messages the `azure` method refuses a join with, in Teleport's words where Teleport
/// has them, so operators can search for them. None carries a token or a signature.
enum AzureErrors {
    static let nonceMismatch = JoinError.accessDenied("challenge is missing or does not match")
    static let subscriptionMismatch = JoinError.accessDenied("subscription ID mismatch between attested data and access token")
    static let vmIDMismatch = JoinError.accessDenied("vm ID does not match")

    static func noMatchingRule(vmID: String, token: String) -> JoinError {
        .accessDenied("instance \(UntrustedString.sanitize(vmID)) did not match any allow rules in token \(token)")
    }

    static func wrongTokenMethod(_ method: String) -> JoinError {
        .accessDenied("this token does not support the Azure join method (its join_method is \(UntrustedString.quoted(method)))")
    }

    static func attestedData(_ reason: String) -> JoinError {
        .accessDenied("the attested data does not verify: \(reason)")
    }

    static func accessToken(_ reason: String) -> JoinError {
        .accessDenied("the access token does not verify: \(reason)")
    }

    /// The pipeline always passes the binding; only a hand-made attempt lacks one.
    static let noKeyBinding = JoinError.internalError(
        "azure: the join attempt carries no key binding, so the nonce cannot be bound to the keys being certified")
}
