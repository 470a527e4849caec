import JoinCore

extension JoinMethodPlugin {
    /// The built-in `bound_keypair` method. The prover reads `registration_secret` from the
    /// join parameters and keeps its files in the bot's storage directory.
    public static let boundKeypair = JoinMethodPlugin(
        name: BoundKeypairJoinMethod.methodName,
        makeMethod: { BoundKeypairJoinMethod(context: $0) },
        makeProver: { try BoundKeypairProver(context: $0) }
    )
}
