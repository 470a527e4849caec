import JoinCore
import NIOCore
import NIOSSH

/// NIOSSH's user-authentication hook for one connection: public keys only; each signed request
/// goes through the ``LoginAuthenticator``, a refusal becomes an SSH authentication failure and
/// an `authFailure` audit event, a success is remembered in the ``ConnectionContext``.
///
/// NIOSSH requires answers in request order, and the policy is asynchronous, so requests are
/// chained: each starts when the one before it has been answered. `none` requests (every client
/// sends one first to learn the methods) are refused without an audit event; NIOSSH itself
/// answers unsigned public-key probes.
final class CertificateAuthenticationDelegate: NIOSSHServerUserAuthenticationDelegate {
    private let authenticator: LoginAuthenticator
    private let connection: ConnectionContext
    private var previous: EventLoopFuture<Void>?

    init(authenticator: LoginAuthenticator, connection: ConnectionContext) {
        self.authenticator = authenticator
        self.connection = connection
    }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { .publicKey }

    func requestReceived(request: NIOSSHUserAuthenticationRequest, responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        guard case .publicKey(let offer) = request.request else {
            responsePromise.succeed(.failure)
            return
        }
        let eventLoop = responsePromise.futureResult.eventLoop
        let authenticator = authenticator, connection = connection
        let login = request.username
        let answer = (previous ?? eventLoop.makeSucceededVoidFuture()).flatMap {
            let outcome = eventLoop.makePromise(of: NIOSSHUserAuthenticationOutcome.self)
            outcome.completeWithTask {
                let result = await authenticator.authenticate(
                    login: login, key: offer.publicKey, clientAddress: connection.clientAddress)
                return Self.conclude(result, login: login, connection: connection)
            }
            return outcome.futureResult
        }
        previous = answer.map { _ in () }.recover { _ in () }
        answer.cascade(to: responsePromise)
    }

    private static func conclude(_ result: Result<AuthenticatedLogin, LoginRefusal>, login: String,
                                 connection: ConnectionContext) -> NIOSSHUserAuthenticationOutcome {
        let services = connection.services
        switch result {
        case .success(let authenticated):
            connection.authenticated(as: authenticated)
            services.logger.info("SSH login accepted", metadata: [
                "user": "\(authenticated.request.user)", "login": "\(login)", "client": "\(connection.clientAddress)",
            ])
            return .success
        case .failure(let refusal):
            let safeLogin = UntrustedString.sanitize(login)
            services.logger.info("SSH login refused", metadata: [
                "user": "\(refusal.user)", "login": "\(safeLogin)", "client": "\(connection.clientAddress)",
                "reason": "\(refusal.reason)",
            ])
            services.audit.record(SSHSessionEvent(
                kind: .authFailure, user: refusal.user, login: safeLogin, clientAddress: connection.clientAddress,
                reason: refusal.reason, time: services.now()))
            return .failure
        }
    }
}
