import GRPCCore
import JoinCore

/// Turns our errors into gRPC statuses (DESIGN.md §2): access denied → `permissionDenied`, bad
/// parameters → `invalidArgument`, rate limits → `resourceExhausted`, lost compare-and-swaps →
/// `failedPrecondition`. Anything unexpected becomes `internalError` with no detail, so
/// internals never leak to an unauthenticated caller.
enum RPCErrorMapping {
    static func rpcError(_ error: any Error) -> RPCError {
        if let error = error as? RPCError { return error }
        // The pipeline unwraps these itself; should one escape, only its answer may leave.
        if let refusal = error as? ConcealedRefusal { return rpcError(refusal.answer) }
        guard let error = error as? JoinError else {
            if error is CancellationError {
                return RPCError(code: .cancelled, message: "join attempt timed out or was aborted")
            }
            return RPCError(code: .internalError, message: "internal error; see the Auth server's log")
        }
        let code: RPCError.Code = switch error.kind {
        case .accessDenied: .permissionDenied
        case .badParameter: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .compareFailed: .failedPrecondition
        case .limitExceeded: .resourceExhausted
        case .notImplemented: .unimplemented
        case .unavailable: .unavailable
        case .internalError: .internalError
        }
        return RPCError(code: code, message: error.message)
    }

    /// Runs `body`, rethrowing any failure as an `RPCError`.
    static func mapping<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw rpcError(error)
        }
    }
}
