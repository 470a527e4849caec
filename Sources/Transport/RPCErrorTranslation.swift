import GRPCCore
import JoinCore

/// Turns gRPC statuses from the Auth server back into ``JoinError``s, so the operator sees the
/// server's message (e.g. `token expired or not found`) rather than a transport error.
public enum RPCErrorTranslation {
    public static func joinError(_ error: any Error, address: AuthAddress) -> any Error {
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
            return JoinError.unavailable("cannot reach the Auth server at \(address): \(error.message)")
        default: return JoinError.internalError("the Auth server at \(address) failed: \(error.message)")
        }
    }

    public static func translating<T: Sendable>(_ address: AuthAddress, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw joinError(error, address: address)
        }
    }
}
