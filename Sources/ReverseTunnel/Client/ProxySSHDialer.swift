import Foundation
import JoinCore
import Logging
import NIOCore
import Transport

/// The client side of the ``ReverseTunnelProtocols/proxySSH`` route, for `tsh`: reaches the
/// Proxy Service the way joins do (``ClusterDialer``: `ca_path`, `--insecure`, `HTTPS_PROXY`),
/// proves the user's identity with their user certificate in the inner mTLS session while
/// requiring a Proxy certificate of the cluster's host CA, asks for a node, and hands over the
/// byte stream to it once the proxy answered `ok`.
///
/// The bytes are the node's SSH service's: the user's SSH client authenticates to the node
/// end to end, so the proxy sees who connected and to which node, never the session.
public struct ProxySSHDialer: Sendable {
    public var proxyAddress: AuthAddress
    public var dialer: ClusterDialer
    /// The user's X.509 certificate and key (PEM), issued by the cluster's user CA.
    public var userCertificatePEM: String
    public var userPrivateKeyPEM: String
    /// The cluster's host CA certificates, which must have issued the proxy's certificate.
    public var hostCACertificatesPEM: [String]
    /// How long reaching the proxy may take (TCP, CONNECT, both handshakes).
    public var connectTimeout: Duration
    /// How long the proxy may take to answer the request (it may wait for a node to connect back).
    public var answerTimeout: Duration
    let logger: Logger

    public init(proxyAddress: AuthAddress, dialer: ClusterDialer, userCertificatePEM: String, userPrivateKeyPEM: String,
                hostCACertificatesPEM: [String], connectTimeout: Duration = .seconds(10), answerTimeout: Duration = .seconds(30),
                logger: Logger = Logger(label: "joinery.proxy-ssh")) {
        self.proxyAddress = proxyAddress
        self.dialer = dialer
        self.userCertificatePEM = userCertificatePEM
        self.userPrivateKeyPEM = userPrivateKeyPEM
        self.hostCACertificatesPEM = hostCACertificatesPEM
        self.connectTimeout = connectTimeout
        self.answerTimeout = answerTimeout
        self.logger = logger
    }

    /// Connects to `target` (`node-1`, `node-1:3022`, a host ID, `node-1.<cluster>`) through
    /// the proxy and runs `body` with the stream to the node's SSH service; closes everything
    /// afterwards. Throws ``ProxySSHRefusal`` when the proxy answers with an error.
    public func withConnection<T: Sendable>(to target: String, _ body: (ByteStreamChannel.Stream) async throws -> T) async throws -> T {
        let connector = try await ProxyRouteConnector.start(
            proxy: proxyAddress, route: ReverseTunnelProtocols.proxySSH, dialer: dialer, certificatePEM: userCertificatePEM,
            privateKeyPEM: userPrivateKeyPEM, hostCACertificatesPEM: hostCACertificatesPEM, connectTimeout: connectTimeout,
            logger: logger)
        do {
            let stream = try await open(target, through: connector)
            let result: T
            do {
                result = try await body(stream)
            } catch {
                try? await stream.channel.close()
                throw error
            }
            try? await stream.channel.close()
            await connector.close()
            return result
        } catch {
            await connector.close()
            throw error
        }
    }

    /// `tsh proxy ssh`: connects to `target` and copies between it and `input`/`output` (the
    /// process's standard input and output, as OpenSSH's `ProxyCommand` expects) until the
    /// node's side ends (``StandardStreamSplice``). The descriptors are closed at the end.
    public func proxyCommand(to target: String, input: CInt = 0, output: CInt = 1) async throws {
        try await withConnection(to: target) { stream in
            try await StandardStreamSplice.run(stream, input: input, output: output)
        }
    }

    private func open(_ target: String, through connector: ProxyRouteConnector) async throws -> ByteStreamChannel.Stream {
        let channel = try await connector.connect()
        let timeout = answerTimeout
        do {
            let answerLine = try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<String> in
                let reader = FirstLineReader(timeout: timeout)
                do {
                    try channel.pipeline.syncOperations.addHandler(reader)
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
                let line = reader.line
                HeldInput.releaseHandshakeGate(in: channel)
                channel.writeAndFlush(ByteBuffer(string: JSONLine.encode(ProxySSHRequest(target: target))), promise: nil)
                return line
            }.get()
            guard let answer = JSONLine.decode(ProxySSHAnswer.self, from: answerLine) else {
                throw JoinError.unavailable("the Proxy Service at \(proxyAddress) answered the SSH request with something unreadable")
            }
            if let message = answer.error {
                throw ProxySSHRefusal(target: target, proxy: "\(proxyAddress)", message: message)
            }
            guard answer.ok == true else {
                throw JoinError.unavailable("the Proxy Service at \(proxyAddress) neither accepted nor refused the SSH request")
            }
            return try await ByteStreamChannel.wrap(channel)
        } catch let failure as FirstLineReader.Failure {
            channel.close(promise: nil)
            // TLS 1.3 finishes the client's handshake before the server has judged the client's
            // certificate: a refusal arrives as the first thing read.
            switch failure {
            case .failed(let error):
                throw JoinError.accessDenied("the Proxy Service at \(proxyAddress) refused this user certificate "
                    + "(\(TLSFailureText.describe(error))); it may have expired, or not be issued by this cluster's user CA")
            case .closed:
                throw JoinError.accessDenied("the Proxy Service at \(proxyAddress) refused this user certificate "
                    + "(it closed the connection without answering); it may have expired, or not be issued by this cluster's user CA")
            case .tooLong, .timedOut:
                break
            }
            throw JoinError.unavailable("the Proxy Service at \(proxyAddress) did not answer the SSH request to \(target): \(failure)")
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }
}

/// The Proxy Service refused an SSH request; ``message`` is its reason, as it wrote it.
public struct ProxySSHRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let target: String
    public let proxy: String
    public let message: String

    public var description: String { "the Proxy Service at \(proxy) refused the connection to \(target): \(message)" }
}
