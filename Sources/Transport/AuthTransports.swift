import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import NIOCore
import NIOSSL

/// The three ways a process connects to the Auth server (DESIGN.md §3):
/// - `unverified`: TLS without checking the server, only to fetch CA certificates for pin
///   checking (or when the operator chose `--insecure`);
/// - pinned (``PinnedHandshake``): TLS whose handshake checks the server's CA against the pins;
/// - `authenticated`: mTLS with the process's own identity, accepting only a server whose
///   certificate the cluster's CAs issued *with the Auth role* (``ClusterServerCheck``).
///
/// The server's certificate names `teleport.cluster.local`, which is the TLS server name used
/// whatever address is dialled, as in Teleport.
public enum AuthTransports {
    public static let serverName = "teleport.cluster.local"
    /// The largest message this client accepts from the server.
    static let maximumResponseBytes = 4 * 1024 * 1024

    public static func unverified(_ address: AuthAddress) throws -> HTTP2ClientTransport.Posix {
        let anonymous = try ThrowawayCertificate()
        return try make(address, certificatePEM: anonymous.certificatePEM, keyPEM: anonymous.privateKeyPEM,
                        trustedCAsPEM: nil)
    }

    /// mTLS to the Auth server. The handshake fails unless the server's certificate was issued
    /// by one of `trustedCAsPEM` and holds the Auth role; pass `refusals` to learn why it did.
    public static func authenticated(_ address: AuthAddress, certificatePEM: String, keyPEM: String,
                                     trustedCAsPEM: [String], refusals: AuthServerRefusals? = nil) throws -> HTTP2ClientTransport.Posix {
        let check = try ClusterServerCheck(trustedCAsPEM: trustedCAsPEM, role: .auth)
        return try make(address, certificatePEM: certificatePEM, keyPEM: keyPEM, trustedCAsPEM: []) { presented, promise in
            let verdict = check.verdict(presented)
            if let failure = check.failure { refusals?.record(failure) }
            promise.succeed(verdict)
        }
    }

    /// Every connection names the server `teleport.cluster.local`, never idles out, and
    /// reconnects quickly.
    static var clientConfig: HTTP2ClientTransport.Posix.Config {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.http2.authority = serverName
        config.connection.maxIdleTime = nil
        config.backoff = .init(initial: .milliseconds(200), max: .seconds(2), multiplier: 1.6, jitter: 0.2)
        return config
    }

    /// Plain HTTP/2 to `address`: only ever a ``LocalTunnel`` on loopback that carries the
    /// bytes inside TLS to a Proxy Service.
    static func plaintext(_ address: AuthAddress) throws -> HTTP2ClientTransport.Posix {
        let config = clientConfig
        return try HTTP2ClientTransport.Posix(
            target: .dns(host: address.host, port: address.port), transportSecurity: .plaintext, config: config)
    }

    /// TLS with a throwaway client certificate whose server check is `verify` (see
    /// ``PinnedHandshake``).
    static func custom(
        _ address: AuthAddress,
        verify: @escaping @Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResultWithMetadata>) -> Void
    ) throws -> HTTP2ClientTransport.Posix {
        let anonymous = try ThrowawayCertificate()
        return try make(address, certificatePEM: anonymous.certificatePEM, keyPEM: anonymous.privateKeyPEM,
                        trustedCAsPEM: [], verify: verify)
    }

    private static func make(
        _ address: AuthAddress, certificatePEM: String, keyPEM: String, trustedCAsPEM: [String]?,
        verify: (@Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResultWithMetadata>) -> Void)? = nil
    ) throws -> HTTP2ClientTransport.Posix {
        var tls = HTTP2ClientTransport.Posix.TransportSecurity.TLS(
            certificateChain: [.bytes(Array(certificatePEM.utf8), format: .pem)],
            privateKey: .bytes(Array(keyPEM.utf8), format: .pem),
            serverCertificateVerification: trustedCAsPEM == nil ? .noVerification : .fullVerification,
            trustRoots: trustedCAsPEM.map { pems in .certificates(pems.map { .bytes(Array($0.utf8), format: .pem) }) }
                ?? .systemDefault)
        if let verify { tls.customVerificationCallback = verify }
        let config = clientConfig
        return try HTTP2ClientTransport.Posix(
            target: .dns(host: address.host, port: address.port),
            transportSecurity: .tls(tls),
            config: config)
    }
}
