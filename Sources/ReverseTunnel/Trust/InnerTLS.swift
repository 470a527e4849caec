import JoinCore
import NIOCore
import NIOSSL
import Synchronization
import X509

/// The inner mutual-TLS session of a server-access route, run inside the outer TLS session
/// with the proxy's web port: each end presents its cluster certificate and checks the other's
/// with a ``ClusterPeerCheck``, so the proxy's web certificate (often a public one, or
/// `--insecure` in tests) never decides who anyone is.
///
/// BoringSSL's own chain and name checks are replaced by the check, which also records who
/// the peer turned out to be (or why it was refused) for the connection's ``PeerOutcome``.
struct InnerTLS: Sendable {
    let context: NIOSSLContext
    let check: ClusterPeerCheck

    /// The side that opens the connection (a node's agent, `tsh`).
    static func client(certificatePEM: String, privateKeyPEM: String, check: ClusterPeerCheck) throws -> InnerTLS {
        let (chain, key) = try identity(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM)
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = chain.map { .certificate($0) }
        configuration.privateKey = .privateKey(key)
        return try make(configuration, check: check)
    }

    /// The proxy's side.
    static func server(certificatePEM: String, privateKeyPEM: String, check: ClusterPeerCheck) throws -> InnerTLS {
        let (chain, key) = try identity(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        return try make(configuration, check: check)
    }

    private static func make(_ base: TLSConfiguration, check: ClusterPeerCheck) throws -> InnerTLS {
        var configuration = base
        configuration.minimumTLSVersion = .tlsv13
        // Verification on (so a server asks for, and requires, a client certificate), with the
        // custom callback deciding; BoringSSL's roots are unused.
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates([])
        // A peer that vanished never sends close_notify; do not hold a dead connection (and a
        // node's reconnect) for NIOSSL's default five seconds waiting for it.
        configuration.shutdownTimeout = .seconds(1)
        do {
            return InnerTLS(context: try NIOSSLContext(configuration: configuration), check: check)
        } catch {
            throw JoinError.badParameter("cannot set up TLS with this certificate and key: \(error)")
        }
    }

    private static func identity(certificatePEM: String, privateKeyPEM: String) throws -> ([NIOSSLCertificate], NIOSSLPrivateKey) {
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
            guard !chain.isEmpty else { throw JoinError.badParameter("the certificate PEM holds no certificate") }
            return (chain, try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem))
        } catch let error as JoinError {
            throw error
        } catch {
            throw JoinError.badParameter("the identity's certificate or key is unreadable: \(error)")
        }
    }

    func clientHandler(outcome: PeerOutcome) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: nil, customVerificationCallback: callback(outcome))
    }

    func serverHandler(outcome: PeerOutcome) -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: context, customVerificationCallback: callback(outcome))
    }

    private func callback(_ outcome: PeerOutcome) -> NIOSSLCustomVerificationCallback {
        let check = self.check
        return { presented, promise in
            do {
                let chain = try presented.map { try Certificate(derEncoded: try $0.toDERBytes()) }
                outcome.record(.success(try check.verify(chain)))
                promise.succeed(.certificateVerified)
            } catch {
                outcome.record(.failure(error as? JoinError
                    ?? JoinError.accessDenied("the \(check.requirement.peerNoun) presented an unreadable certificate")))
                promise.succeed(.failed)
            }
        }
    }
}

/// What one connection's inner handshake learned about the peer: who it is, or why it was
/// refused. Written by the verification callback, read once the handshake is over.
final class PeerOutcome: Sendable {
    private let result = Mutex<Result<ClusterPeerCheck.Peer, JoinError>?>(nil)

    func record(_ outcome: Result<ClusterPeerCheck.Peer, JoinError>) { result.withLock { $0 = outcome } }

    /// The verified peer; nil when the handshake has not verified one.
    var peer: ClusterPeerCheck.Peer? {
        result.withLock { if case .success(let peer)? = $0 { peer } else { nil } }
    }

    /// Why the peer was refused, if it was.
    var refusal: JoinError? {
        result.withLock { if case .failure(let error)? = $0 { error } else { nil } }
    }
}
