import Foundation

/// Lets a method write its challenge rounds as straight-line code:
/// `let solution = try await exchange.challenge(bytes)`.
public protocol ChallengeExchange: Sendable {
    /// Sends `payload` to the client and waits (bounded by the server's deadline) for its
    /// solution. Throws when the client gives up, disconnects or the deadline passes.
    func challenge(_ payload: Data) async throws -> Data
}
