import JoinCore

extension JoinMethodPlugin {
    /// The built-in `iam` method. Reads `auth_service.aws` (`fips`) on the Auth server and
    /// `teleport.join_params.iam` (`fips`) on the node.
    public static let iam = JoinMethodPlugin(
        name: IAMJoinMethod.methodName,
        authServiceKeys: ["aws"],
        joinParamsSections: [IAMProverSettings.joinParamsSection],
        makeMethod: { try IAMJoinMethod(context: $0) },
        makeProver: { try IAMProver(context: $0) }
    )
}
