import JoinCore
import Synchronization

/// Why the last handshake with an Auth server was refused by this process, for callers that
/// want to report it in words: a TLS alert says only that the handshake failed, not that the
/// peer was, say, a Node's certificate answering in the Auth server's place.
public final class AuthServerRefusals: Sendable {
    private let recorded = Mutex<JoinError?>(nil)

    public init() {}

    func record(_ error: JoinError) { recorded.withLock { $0 = error } }

    /// The last refusal, if any.
    public var last: JoinError? { recorded.withLock { $0 } }

    /// Runs `body`; when it fails after a refused handshake, throws the refusal instead.
    public func explaining<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            if let refusal = last { throw refusal }
            throw error
        }
    }
}
