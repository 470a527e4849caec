/// A host identity the caller proved by presenting a current host certificate from this
/// cluster's host CA on the join connection: a process that has joined before joins again
/// (to prove its machine-bound credential anew, say). Only direct connections carry one; a
/// join forwarded by a Proxy Service never does.
public struct HostCaller: Sendable, Equatable {
    /// The host ID in the presented certificate.
    public var hostID: String
    /// The system roles the certificate holds (one, or an Instance's services).
    public var roles: [SystemRole]

    public init(hostID: String, roles: [SystemRole]) {
        self.hostID = hostID
        self.roles = roles
    }
}
