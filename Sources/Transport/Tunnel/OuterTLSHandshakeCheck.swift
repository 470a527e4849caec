import JoinCore
import NIOCore
import NIOSSL
import NIOTLS
import X509

/// Sits behind the outer `NIOSSLClientHandler` and reports through ``result`` whether the
/// session with the Proxy Service is usable: the handshake completed in time, the certificate
/// was accepted (its refusal is read from the ``VerificationOutcome``), and the server
/// selected one of the offered ALPN protocols — a server that selects none is not speaking
/// the protocol the tunnel's client expects, so the connection is refused instead of being
/// glued to something that will fail later with a less useful error.
///
/// Bytes the server sends once the session is up are kept until the caller removes this
/// handler (after gluing), then passed on.
final class OuterTLSHandshakeCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        case handshaking
        case checkingName
        case established
        case failed
    }

    private let trust: ProxyServiceTrust
    private let applicationProtocols: [String]
    private let outcome: VerificationOutcome
    private let deadline: NIODeadline
    private var state = State.handshaking
    private var promise: EventLoopPromise<Void>?
    private var timeout: Scheduled<Void>?
    private var held = ByteBuffer()
    private var inputClosed = false

    init(trust: ProxyServiceTrust, applicationProtocols: [String], outcome: VerificationOutcome, deadline: NIODeadline) {
        self.trust = trust
        self.applicationProtocols = applicationProtocols
        self.outcome = outcome
        self.deadline = deadline
    }

    /// Succeeds when the session is usable; fails with a ``JoinError``. Valid once added.
    var result: EventLoopFuture<Void> {
        guard let promise else { preconditionFailure("OuterTLSHandshakeCheck.result read before the handler was added") }
        return promise.futureResult
    }

    private var peer: String { "the Proxy Service at \(trust.destination)" }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        promise = context.eventLoop.makePromise(of: Void.self)
        timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.fail(JoinError.unavailable("the TLS handshake with \(self.peer) did not complete in time"), context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        promise?.fail(outcome.recorded ?? JoinError.unavailable("the connection to \(peer) closed during the TLS handshake"))
        promise = nil
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        if state == .established {
            if held.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(held))
                context.fireChannelReadComplete()
                held = ByteBuffer()
            }
            if inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        }
        context.leavePipeline(removalToken: removalToken)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch state {
        case .handshaking, .checkingName, .established: held.writeBuffer(&bytes)
        case .failed: break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            handshakeCompleted(negotiated: negotiated, context: context)
            return
        }
        if let event = event as? ChannelEvent, case .inputClosed = event {
            switch state {
            case .handshaking, .checkingName:
                fail(outcome.recorded ?? JoinError.unavailable("\(peer) closed the connection during the TLS handshake"),
                     context: context)
            case .established: inputClosed = true
            case .failed: break
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard state == .handshaking || state == .checkingName else {
            context.fireErrorCaught(error)
            return
        }
        if let refusal = outcome.recorded {
            fail(refusal, context: context)
        } else if case .nioSSLDefault = trust.anchors, Self.isCertificateError(error) {
            fail(JoinError.accessDenied("the certificate presented by \(peer) is not trusted by the system trust store"
                                            + trust.untrustedAdvice),
                 context: context)
        } else {
            let reason = ConnectionFailureReason(error)
            fail(JoinError.unavailable("the TLS handshake with \(peer) failed" + (reason.kind == .tls ? "" : " (\(reason))")),
                 context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state == .handshaking || state == .checkingName {
            fail(outcome.recorded ?? JoinError.unavailable("\(peer) closed the connection during the TLS handshake"),
                 context: context)
        }
        context.fireChannelInactive()
    }

    // MARK: Decisions

    private func handshakeCompleted(negotiated: String?, context: ChannelHandlerContext) {
        guard state == .handshaking else { return }
        if !applicationProtocols.isEmpty {
            guard let negotiated, applicationProtocols.contains(negotiated) else {
                fail(JoinError.unavailable(
                    "\(peer) did not select any of the offered ALPN protocols (\(applicationProtocols.joined(separator: ", ")))"
                        + (negotiated.map { "; it selected \($0)" } ?? "; it selected none")),
                     context: context)
                return
            }
        }
        guard case .nioSSLDefault = trust.anchors else {
            succeed()
            return
        }
        // BoringSSL checked the chain; the name is checked here, against the configured name.
        state = .checkingName
        let leaf: Certificate?
        if let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self),
           let der = try? handler.peerCertificate?.toDERBytes() {
            leaf = try? Certificate(derEncoded: der)
        } else {
            leaf = nil
        }
        guard let leaf else {
            fail(JoinError.accessDenied("\(peer) presented an unreadable certificate"), context: context)
            return
        }
        if let refusal = trust.roleRefusal(leaf) {
            fail(refusal, context: context)
            return
        }
        let trust = self.trust
        context.eventLoop.makeFutureWithTask { await trust.nameMismatch(leaf) }
            .assumeIsolated()
            .whenComplete { [weak self] result in
                guard let self, self.state == .checkingName else { return }
                switch result {
                case .success(nil): self.succeed()
                case .success(let mismatch?): self.fail(mismatch, context: context)
                case .failure(let error): self.fail(JoinError.internalError("checking the Proxy Service's name failed: \(error)"), context: context)
                }
            }
    }

    private func succeed() {
        state = .established
        timeout?.cancel()
        let promise = self.promise
        self.promise = nil
        promise?.succeed()
    }

    private func fail(_ error: JoinError, context: ChannelHandlerContext) {
        guard state == .handshaking || state == .checkingName else { return }
        state = .failed
        timeout?.cancel()
        held = ByteBuffer()
        let promise = self.promise
        self.promise = nil
        promise?.fail(error)
        context.close(promise: nil)
    }

    private static func isCertificateError(_ error: any Error) -> Bool {
        "\(error)".uppercased().contains("CERTIFICATE")
    }
}

@available(*, unavailable)
extension OuterTLSHandshakeCheck: Sendable {}
