import JoinCore

extension JoinMethodPlugin {
    /// The built-in `tpm` method. The joiner's TPM is named by `TPM2TOOLS_TCTI`.
    public static let tpm = JoinMethodPlugin(
        name: TPMJoinMethod.methodName,
        makeMethod: { TPMJoinMethod(context: $0) },
        makeProver: { TPMProver(context: $0) }
    )
}
