import GRPCNIOTransportHTTP2
import NIOSSL

/// The Auth server's TLS setup for its single port.
///
/// Teleport serves unauthenticated joins and mTLS calls (tctl, heartbeats) on one address.
/// grpc-swift-nio-transport offers only "no client certificate" or "client certificate
/// required", so we require one and accept *any* in the verification callback: the TLS
/// handshake still proves the client holds the certificate's key, and each service then checks
/// the certificate itself (``CallerAuthentication``). Processes without an identity present a
/// throwaway self-signed certificate, which only the join service accepts. Chosen over two
/// listeners so that Teleport's guides, which name one Auth address, work unchanged.
enum AuthServerTLS {
    /// `caCertificatePEM`, the host CA that issued the serving certificate, is sent in the
    /// chain so a joining client can check it against its CA pins during the handshake itself
    /// (one connection per join instead of a CA fetch plus the join).
    static func security(certificatePEM: String, privateKeyPEM: String, caCertificatePEM: String?) -> HTTP2ServerTransport.Posix.TransportSecurity {
        .mTLS(
            certificateChain: [.bytes(Array(certificatePEM.utf8), format: .pem)]
                + (caCertificatePEM.map { [.bytes(Array($0.utf8), format: .pem)] } ?? []),
            privateKey: .bytes(Array(privateKeyPEM.utf8), format: .pem)
        ) { config in
            config.clientCertificateVerification = .noHostnameVerification
            config.customVerificationCallback = { certificates, promise in
                guard !certificates.isEmpty else {
                    promise.succeed(.failed)
                    return
                }
                promise.succeed(.certificateVerified(VerificationMetadata(ValidatedCertificateChain(certificates))))
            }
        }
    }
}
