import GRPCCore
import JoinCore

extension AdminServiceHandler {
    /// The caller, required to hold the Admin role and checked against locks
    /// (``CallerLocks``): a lock on an admin identity's `server_id` ends its admin calls.
    ///
    /// A lock on role Admin is never honoured (it cannot be created, see
    /// ``JoinCore/LockTarget``): it would lock out the operator, who could then not remove it.
    /// A lock on the running server's own admin identity lasts until the Auth server restarts
    /// and writes a new one.
    func authorizedAdmin(_ context: ServerContext) async throws -> PeerIdentity {
        try await callerLocks.checked(authentication.requireAdmin(context))
    }
}
