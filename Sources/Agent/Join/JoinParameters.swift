import Foundation
import JoinCore
import Transport

/// What a process needs to join: where, with which token and method, as what, and how to
/// trust the Auth server.
public struct JoinParameters: Sendable {
    public var authServer: AuthAddress
    public var tokenName: String
    /// `join_params.method` (the config layer supplies the default).
    public var method: String
    public var role: SystemRole
    /// The roles the process will run, sent so that the Auth server refuses a role the token
    /// does not allow (every one of an Instance's services); empty for a bot.
    public var systemRoles: [SystemRole] = []
    public var nodeName: String
    public var caPins: [CAPin]
    /// Where ``caPins`` came from when the operator did not name them (the `SSL_CERT_FILE`
    /// bundle), so that a mismatch says so; `nil` for pins and CA files set in the config.
    public var caPinsOrigin: String?
    /// Skip verifying the Auth server (`--insecure`).
    public var insecure: Bool
    public var additionalPrincipals: [String]
    public var dnsNames: [String]
    /// Other Auth servers of the same cluster, tried in order when ``authServer`` cannot be
    /// reached (see ``AuthFailover``).
    public var fallbackAuthServers: [AuthAddress] = []
    /// How the addresses are reached: directly, or through Proxy Services and HTTP proxies.
    public var dialer: ClusterDialer = .direct

    /// ``authServer`` first, then the fallbacks.
    public var allAuthServers: [AuthAddress] { [authServer] + fallbackAuthServers.filter { $0 != authServer } }

    public init(authServer: AuthAddress, tokenName: String, method: String, role: SystemRole,
                nodeName: String, caPins: [CAPin] = [], insecure: Bool = false,
                additionalPrincipals: [String] = [], dnsNames: [String] = []) {
        self.authServer = authServer
        self.tokenName = tokenName
        self.method = method
        self.role = role
        self.nodeName = nodeName
        self.caPins = caPins
        self.insecure = insecure
        self.additionalPrincipals = additionalPrincipals
        self.dnsNames = dnsNames
    }
}
