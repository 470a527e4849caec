import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Transport

/// A node's calls to the Auth server about server access, made with its host identity the way
/// its heartbeats are (straight, or through the Proxy Service's tunnel to the Auth server):
/// the user CA's keys, what a user may do, and session events for the audit log.
struct NodeAccessClient: Sendable {
    let authServer: AuthAddress
    let dialer: ClusterDialer
    let certificatePEM: String
    let keyPEM: String
    let trustedCAsPEM: [String]

    func withAccess<T: Sendable>(
        _ body: @Sendable (Joinery_V1_AccessService.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        try await RPCErrorTranslation.translating(authServer, throughProxy: dialer.isViaProxy) {
            try await dialer.withAuthenticatedTransport(authServer, certificatePEM: certificatePEM, keyPEM: keyPEM,
                                                        trustedCAsPEM: trustedCAsPEM) { transport in
                try await withGRPCClient(transport: transport) { client in
                    try await body(Joinery_V1_AccessService.Client(wrapping: client))
                }
            }
        }
    }
}
