import GRPCCore
import JoinCore

/// Turns gRPC statuses from the Auth server back into ``JoinError``s, so the operator sees the
/// server's message (e.g. `token expired or not found`) rather than a transport error.
public enum RPCErrorTranslation {
    /// - Parameter throughProxy: `address` is a Proxy Service's web address that the call went
    ///   through, so that an outage says which of the two could not be reached.
    public static func joinError(_ error: any Error, address: AuthAddress, throughProxy: Bool = false) -> any Error {
        guard let error = error as? RPCError else { return error }
        switch error.code {
        case .permissionDenied, .unauthenticated: return JoinError.accessDenied(error.message)
        case .invalidArgument: return JoinError.badParameter(error.message)
        case .notFound: return JoinError.notFound(error.message)
        case .alreadyExists: return JoinError.alreadyExists(error.message)
        case .failedPrecondition, .aborted: return JoinError.compareFailed(error.message)
        case .resourceExhausted: return JoinError.limitExceeded(error.message)
        case .unimplemented: return JoinError.notImplemented(error.message)
        case .unavailable, .deadlineExceeded:
            return unreachable(address, throughProxy: throughProxy, because: ConnectionFailureReason(error))
        default: return JoinError.internalError("the Auth server at \(address) failed: \(error.message)")
        }
    }

    /// The Auth server could not be reached, in one plain sentence: `cannot reach the Auth
    /// server at 127.0.0.1:3025 (connection refused)`. Through a Proxy Service that accepted the
    /// connection and then closed it, the proxy is what could not reach the Auth server.
    static func unreachable(_ address: AuthAddress, throughProxy: Bool, because reason: ConnectionFailureReason) -> JoinError {
        guard throughProxy else {
            return JoinError.unavailable("cannot reach the Auth server at \(address) (\(reason))")
        }
        if reason.kind == .closed {
            return JoinError.unavailable("cannot reach the Auth server through the Proxy Service at \(address) "
                + "(the Proxy Service closed the connection: it cannot reach the Auth server, or it is restarting)")
        }
        return JoinError.unavailable("cannot reach the Auth server through the Proxy Service at \(address) (\(reason))")
    }

    public static func translating<T: Sendable>(_ address: AuthAddress, throughProxy: Bool = false,
                                                _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw joinError(error, address: address, throughProxy: throughProxy)
        }
    }
}
