import Foundation
import Logging
import Synchronization

/// What one SSH connection knows about itself: where the client is, and — once authentication
/// succeeded — who logged in. The authentication delegate writes the login, the
/// unauthenticated-connection timeout and every session channel read it.
final class ConnectionContext: Sendable {
    /// `ip:port` of the client (or what the proxy said it is).
    let clientAddress: String
    /// `ip port` halves for SSH_CONNECTION: client then server; nil parts when unknown.
    let clientEndpoint: (host: String, port: Int)?
    let serverEndpoint: (host: String, port: Int)?
    let services: SessionServices
    private let login = Mutex<AuthenticatedLogin?>(nil)

    init(clientAddress: String, clientEndpoint: (host: String, port: Int)?, serverEndpoint: (host: String, port: Int)?,
         services: SessionServices) {
        self.clientAddress = clientAddress
        self.clientEndpoint = clientEndpoint
        self.serverEndpoint = serverEndpoint
        self.services = services
    }

    var authenticatedLogin: AuthenticatedLogin? { login.withLock { $0 } }

    func authenticated(as authenticated: AuthenticatedLogin) {
        login.withLock { $0 = authenticated }
    }
}

/// What every connection and session of one server shares.
struct SessionServices: Sendable {
    var audit: AuditQueue
    var logger: Logger
    var now: @Sendable () -> Date
    var identityRule: SessionIdentityRule
}
