import Foundation
import JoinCore
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// One direct connection to the server, outside the pool, to learn whether it is there and,
/// when it is not, exactly why (refused, unresolvable, login refused, TLS mismatch).
///
/// The pool only says that it has no connection; this says what a person should check. It
/// backs the bounded retry at start (``waitForServer(logger:)``) and the message of an
/// operation that found no connection.
struct PostgreSQLProbe: Sendable {
    let configuration: PostgresConnection.Configuration
    let target: PostgreSQLTarget
    let settings: PostgreSQLBackendSettings

    init(_ connection: PostgreSQLConnectionString, settings: PostgreSQLBackendSettings) throws {
        let tls: PostgresConnection.Configuration.TLS
        if let tlsConfiguration = try connection.tlsConfiguration() {
            do {
                tls = .require(try NIOSSLContext(configuration: tlsConfiguration))
            } catch {
                throw JoinError.badParameter("the TLS settings in the PostgreSQL conn_string cannot be used: \(error)")
            }
        } else {
            tls = .disable
        }
        var configuration = PostgresConnection.Configuration(
            host: connection.host, port: connection.port, username: connection.user,
            password: connection.password, database: connection.database, tls: tls)
        let timeout = connection.connectTimeout ?? settings.connectTimeout
        configuration.options.connectTimeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
            + timeout.components.attoseconds / 1_000_000_000)
        self.configuration = configuration
        self.target = PostgreSQLTarget(connection)
        self.settings = settings
    }

    /// Connects, logs in and disconnects; `nil` when that worked, otherwise why not. Gives
    /// up after `timeout` (a port that accepts but never answers must not hang the caller).
    func failure(within timeout: Duration) async -> PostgreSQLErrorTranslation.ConnectionFailure? {
        let configuration = self.configuration
        do {
            return try await withThrowingTaskGroup(of: PostgreSQLErrorTranslation.ConnectionFailure?.self) { group in
                group.addTask {
                    do {
                        let connection = try await PostgresConnection.connect(
                            configuration: configuration, id: 0, logger: Self.silent)
                        try? await connection.close()
                        return nil
                    } catch {
                        return PostgreSQLErrorTranslation.connectionFailure(error)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return PostgreSQLErrorTranslation.ConnectionFailure(
                        reason: "no answer within \(timeout.wholeSeconds) s",
                        advice: "check that the address is a PostgreSQL server and that no firewall drops the traffic",
                        retryable: true)
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
        } catch {
            return PostgreSQLErrorTranslation.connectionFailure(error)
        }
    }

    /// Waits until the server accepts a login, retrying with jittered exponential backoff for
    /// at most ``PostgreSQLBackendSettings/startupTimeout`` and logging every retry.
    ///
    /// - Throws: `.unavailable` naming the server and the last reason once the time is up,
    ///   or at once for failures that waiting cannot fix (a refused login, a missing
    ///   database, a TLS mismatch).
    func waitForServer(logger: Logger) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + settings.startupTimeout
        var attempt = 0
        while true {
            attempt += 1
            let remaining = deadline - clock.now
            let perAttempt = min(configuration.options.connectTimeout.duration + .seconds(5), max(remaining, .seconds(1)))
            guard let failure = await failure(within: perAttempt) else {
                if attempt > 1 {
                    logger.info("PostgreSQL is reachable", metadata: ["server": "\(target)", "attempts": "\(attempt)"])
                }
                return
            }
            guard failure.retryable else {
                throw JoinError.unavailable("cannot use \(target): \(failure.reason); \(failure.advice)")
            }
            let left = deadline - clock.now
            guard left > .zero else {
                let waited = (clock.now - start).wholeSeconds
                throw JoinError.unavailable(
                    "\(target) was still unreachable after \(waited) s and \(attempt) attempts: \(failure.reason); \(failure.advice)")
            }
            let delay = min(backoff(afterFailures: attempt), left)
            logger.warning(
                "PostgreSQL is not reachable yet; retrying",
                metadata: [
                    "server": "\(target)", "attempt": "\(attempt)", "error": "\(failure.reason)",
                    "retry_in": "\(delay.wholeMilliseconds) ms",
                    "gives_up_in": "\(left.wholeMilliseconds) ms",
                ])
            try await Task.sleep(for: delay)
        }
    }

    /// Doubling from the initial delay up to the maximum, jittered down to between half and
    /// all of it so that several Auth servers started together do not retry in step.
    func backoff(afterFailures failures: Int) -> Duration {
        JitteredBackoff(initial: settings.initialStartupRetryDelay, maximum: settings.maximumStartupRetryDelay)
            .delay(afterFailures: failures)
    }

    private static let silent = Logger(label: "joinery.postgres.probe", factory: { _ in SwiftLogNoOpLogHandler() })
}

extension TimeAmount {
    /// The same span as a `Duration`.
    var duration: Duration { .nanoseconds(nanoseconds) }
}

extension Duration {
    var wholeSeconds: Int64 { components.seconds }
    var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
