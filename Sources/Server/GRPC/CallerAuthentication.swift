import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import X509

/// Decides who is calling from the client certificate of the TLS connection.
///
/// One port serves both unauthenticated joins and mTLS calls (as Teleport's 3025 does). The
/// transport asks every client for a certificate and accepts any (see `AuthServerTLS`); here
/// the handler checks that the certificate chains to the cluster's host CA. A process with no
/// identity yet presents a throwaway self-signed certificate, which fails this check and so
/// can reach only the join service.
struct CallerAuthentication: Sendable {
    let authorities: ClusterAuthorities
    let clock: any JoinClock
    /// Admin certificates must name the current run of an Auth server (see ``AdminGenerationCheck``).
    let adminGenerations: AdminGenerationCheck

    /// The verified identity of the caller, or `permissionDenied`.
    func identity(of context: ServerContext) throws -> PeerIdentity {
        try session(of: context).identity
    }

    /// The verified caller of a stream, kept for its messages: the cluster's CAs do not change
    /// while a server runs, so a stream re-checks only the certificate's expiry
    /// (``CallerSession/requireUnexpired(now:)``) and the locks, not the signature.
    func session(of context: ServerContext) throws -> CallerSession {
        guard let transport = context.transportSpecific as? HTTP2ServerTransport.Posix.Context,
              let certificate = transport.peerCertificate else {
            throw JoinError.accessDenied("this call needs a client certificate issued by the cluster")
        }
        return CallerSession(identity: try authorities.authenticate(certificate, now: clock.now),
                             notValidAfter: certificate.notValidAfter)
    }

    /// The caller, required to hold the Admin role (tctl's identity) from the current run of
    /// an Auth server sharing this backend.
    func requireAdmin(_ context: ServerContext) async throws -> PeerIdentity {
        let caller = try identity(of: context)
        guard caller.role == .admin else {
            throw JoinError.accessDenied("this call needs an Admin identity; run tctl on the Auth server or pass --identity")
        }
        try await adminGenerations.requireCurrent(caller)
        return caller
    }
}
