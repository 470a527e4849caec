import JoinCore

/// The client half of the token method: the token name is the proof, so nothing more is sent.
public struct TokenProver: JoinProver {
    public let name = TokenJoinMethod.methodName
    public init() {}

    /// A static token from `auth_service.tokens` is proved the same way — the secret is the
    /// name already sent — so a client configured for `token` may join one (the Auth server
    /// then names `static`). No other method is followed.
    public func accepts(serverMethod: String) -> Bool {
        serverMethod == name || serverMethod == "static"
    }
}
