import JoinCore

/// The client half of the static method: the token value is the proof, sent as the token name.
public struct StaticProver: JoinProver {
    public let name = StaticJoinMethod.methodName
    public init() {}
}
