import JoinCore

extension JoinMethodPlugin {
    /// The built-in `azure` method. Reads `auth_service.azure` (`attestation_certificates_dir`)
    /// on the Auth server and `join_params.azure` (`client_id`) on the joiner.
    public static let azure = JoinMethodPlugin(
        name: AzureJoinMethod.methodName,
        authServiceKeys: [AzureJoinSettings.key],
        joinParamsSections: [AzureProver.joinParamsSection],
        makeMethod: { try AzureJoinMethod(context: $0) },
        makeProver: { try AzureProver(context: $0) }
    )
}
