import JoinCore

extension JoinMethodPlugin {
    /// The built-in `bound_keypair` method. The prover reads its `bound_keypair:` section
    /// (``BoundKeypairOnboarding``) and keeps its files in the bot's storage directory.
    public static let boundKeypair = JoinMethodPlugin(
        name: BoundKeypairJoinMethod.methodName,
        joinParamsSections: [BoundKeypairOnboarding.joinParamsSection],
        makeMethod: { BoundKeypairJoinMethod(context: $0) },
        makeProver: { try BoundKeypairProver(context: $0) }
    )
}
