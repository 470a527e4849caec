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
        guard let transport = context.transportSpecific as? HTTP2ServerTransport.Posix.Context,
              let certificate = transport.peerCertificate else {
            throw JoinError.accessDenied("this call needs a client certificate issued by the cluster")
        }
        return try authorities.authenticate(certificate, now: clock.now)
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
