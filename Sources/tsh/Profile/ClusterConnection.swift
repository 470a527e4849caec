import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Logging
import Transport

/// Calls to the Auth server as the signed-in user: through the Proxy Service's web port (its
/// byte tunnel to the Auth server), with the user's own TLS certificate end to end, the Auth
/// server checked against the cluster's host CA (it must hold the Auth role).
struct ClusterConnection {
    let profile: TshProfile
    let store: ProfileStore

    func withAccess<T: Sendable>(
        _ body: @Sendable (Joinery_V1_AccessService.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        let paths = store.paths(profile)
        let certificate = try store.read(paths.tlsCertificate)
        let key = try store.read(paths.tlsKey)
        let authorities = try store.read(paths.hostCA)
        let address = try AuthAddress(parsing: profile.proxy, defaultPort: 3080)
        let dialer = ClusterDialer(proxy: .init(insecure: profile.insecure), environment: try ProxyEnvironment(),
                                   logger: Logger(label: "tsh"))
        return try await RPCErrorTranslation.translating(address, throughProxy: true) {
            try await dialer.withAuthenticatedTransport(address, certificatePEM: certificate, keyPEM: key,
                                                        trustedCAsPEM: [authorities]) { transport in
                try await withGRPCClient(transport: transport) { client in
                    try await body(Joinery_V1_AccessService.Client(wrapping: client))
                }
            }
        }
    }

    /// The nodes this user may see, with the labels roles see.
    func nodes() async throws -> [Joinery_V1_Node] {
        try await withAccess { try await $0.listAccessibleNodes(Joinery_V1_ListNodesRequest()).nodes }
    }
}
