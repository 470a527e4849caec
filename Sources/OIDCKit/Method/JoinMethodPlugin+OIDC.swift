import JoinCore

extension JoinMethodPlugin {
    /// An OIDC join method's registration: the shared method and prover over `Profile`, and the
    /// joiner's ID token from `source`.
    public static func oidc<Profile: OIDCJoinProfile>(
        _ profile: Profile.Type, joinParamsSections: [JoinParamsSection] = [],
        source: @escaping @Sendable (ProverContext) throws -> any IDTokenSource
    ) -> JoinMethodPlugin {
        JoinMethodPlugin(
            name: Profile.methodName,
            joinParamsSections: joinParamsSections,
            makeMethod: { OIDCJoinMethod<Profile>(context: $0) },
            makeProver: { OIDCProver(name: Profile.methodName, source: try source($0)) }
        )
    }
}
