import JoinCore

extension JoinMethodPlugin {
    /// The built-in `static` method.
    public static let staticTokens = JoinMethodPlugin(
        name: StaticJoinMethod.methodName,
        authServiceKeys: ["tokens"],
        makeMethod: { try StaticJoinMethod(context: $0) },
        makeProver: { _ in StaticProver() }
    )
}
