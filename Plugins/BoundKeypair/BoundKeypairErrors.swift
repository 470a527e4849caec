import JoinCore

/// Every message the `bound_keypair` method rejects a join with, worded as Teleport words them
/// (spec §8.5, §8.6) so operators can search for them, and those `tctl create` refuses a
/// token with for its roles, bot name and onboarding. None names a secret or a key's private half;
/// detailed reasons go to the attempt's audit facts instead.
enum BoundKeypairErrors {
    static func botMixedWithHostRoles(_ roles: [SystemRole]) -> JoinError {
        let names = roles.map(\.rawValue).joined(separator: ",")
        return .badParameter("a bound_keypair token joins either one bot (spec.roles: [Bot]) or agents (roles such as Node, Proxy, "
            + "Kube, App, Db, WindowsDesktop), not both: got [\(names)]")
    }
    static let noBotName = JoinError.badParameter("the bound_keypair join method requires spec.bot_name: the bot this token joins")
    static let botNameOnHostToken = JoinError.badParameter(
        "spec.bot_name must be unset for a bound_keypair token that joins agents (roles other than Bot)")
    static let agentPreregisteredKey = JoinError.badParameter(
        "agents cannot onboard with a pre-registered key in the standard or relaxed recovery mode: for a static key set "
            + "spec.bound_keypair.recovery.mode to insecure; otherwise remove onboarding.initial_public_key and onboard "
            + "with a registration secret")
    static func roleMismatch(_ role: SystemRole) -> JoinError {
        .badParameter("this bound_keypair token does not join the role \(role.rawValue)")
    }
    static let hostMismatch = JoinError.accessDenied("host ID mismatch")
    static let noRecoveriesRemaining = JoinError.accessDenied("no recovery attempts remaining")
    static let noRejoinsRemaining = JoinError.accessDenied("no rejoins remaining")
    static let challengeFailed = JoinError.accessDenied("failed to complete challenge")
    static let registrationSecretRequired = JoinError.accessDenied("a valid registration secret is required")
    static let noOnboardingCredential = JoinError.badParameter(
        "either an initial public key or registration secret is required")
    static let firstJoinWithCredentials = JoinError.badParameter(
        "cannot perform first bound keypair join with existing credentials")
    static let badBackendState = JoinError.badParameter("bad backend state, please recreate the join token")
    static let botInstanceMismatch = JoinError.accessDenied("bot instance mismatch")
    static let joinStateRequired = JoinError.accessDenied("previous join state is required but was not provided")
    static let joinStateVerificationFailed = JoinError.accessDenied("join state verification failed")
    static let keyBindingMismatch = JoinError.accessDenied(
        "bound_keypair: the challenge was signed for other public keys than the ones this join asks to certify: "
            + "something between the bot and the Auth server (a proxy or relay) replaced the keys in ClientInit")
    /// The pipeline always passes the binding; only a hand-made attempt lacks one.
    static let noKeyBinding = JoinError.internalError(
        "bound_keypair: the join attempt carries no key binding, so the challenge cannot be bound to the keys being certified")
    static let keyReused = JoinError.badParameter("public key may not be reused after rotation")
    static let unexpectedBackendState = JoinError.accessDenied(
        "unexpected backend state; committing updated token state, please try again")

    /// The lock message when a join state fails to verify after a good challenge.
    static func lockMessage(token: String) -> String {
        "The bound_keypair join token \(token) was locked after a client failed to verify its join state; "
            + "this can mean the client's keypair was copied and used elsewhere (possibly a stolen keypair). "
            + "Investigate, then remove the lock to allow joins again."
    }

    /// A reply of the wrong kind, for a message the client must act on.
    static func unexpectedReply(_ what: String) -> JoinError {
        .badParameter("bound_keypair: expected \(what) from the client")
    }
}
