import Foundation
import JoinCore
import Logging

/// Runs a call against one of several Auth servers (DESIGN.md §5: several Auth servers share
/// one PostgreSQL state), moving to the next when one cannot be reached and, after every
/// server has failed once, waiting a ``JitteredBackoff`` before the next round. Only
/// `unavailable` failures fail over: an answer such as `token expired or not found` is final
/// whichever server gave it.
public struct AuthFailover: Sendable {
    public let addresses: [AuthAddress]
    public let backoff: JitteredBackoff
    /// How many rounds over all addresses before giving up.
    public let rounds: Int
    /// The log metadata key for the addresses: `auth_server`, or `proxy` for Proxy Services'.
    public let addressLogKey: String
    let logger: Logger

    public init(addresses: [AuthAddress], backoff: JitteredBackoff = JitteredBackoff(initial: .milliseconds(250), maximum: .seconds(8)),
                rounds: Int = 5, addressLogKey: String = "auth_server", logger: Logger) {
        self.addresses = addresses
        self.backoff = backoff
        self.rounds = max(1, rounds)
        self.addressLogKey = addressLogKey
        self.logger = logger
    }

    /// Calls `operation` with each address in turn until one answers.
    public func run<T: Sendable>(_ operation: (AuthAddress) async throws -> T) async throws -> T {
        guard !addresses.isEmpty else { throw JoinError.badParameter("no Auth server address configured") }
        var lastError: (any Error)?
        for round in 1...rounds {
            for address in addresses {
                do {
                    return try await operation(address)
                } catch let error as JoinError where error.kind == .unavailable {
                    lastError = error
                    logger.warning("unreachable; trying the next address", metadata: [addressLogKey: "\(address)", "error": "\(error)"])
                }
            }
            if round < rounds {
                let delay = backoff.delay(afterFailures: round)
                logger.info("no Auth server reachable; retrying", metadata: ["in": "\(GoDuration.spoken(delay))", "round": "\(round)"])
                try await Task.sleep(for: delay)
            }
        }
        let tried = addresses.map(\.description).joined(separator: ", ")
        throw JoinError.unavailable("no Auth server could be reached (tried \(tried) \(rounds) times): \(lastError.map { "\($0)" } ?? "")")
    }
}
