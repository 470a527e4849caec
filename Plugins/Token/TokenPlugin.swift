import JoinCore

extension JoinMethodPlugin {
    /// The built-in `token` method.
    public static let storedTokens = JoinMethodPlugin(
        name: TokenJoinMethod.methodName,
        makeMethod: { _ in TokenJoinMethod() },
        makeProver: { _ in TokenProver() }
    )
}
