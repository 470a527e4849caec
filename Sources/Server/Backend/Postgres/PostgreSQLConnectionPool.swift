import Foundation
import JoinCore
import Logging
import PostgresNIO
import Synchronization

/// postgres-nio's `PostgresClient` (a connection pool) with the background task it needs,
/// owned by one backend, plus a bound on how long an operation waits for a connection.
///
/// The client reconnects by itself: when the server goes away, its pool keeps trying to open
/// a connection with its own exponential backoff (capped at a minute), and operations work
/// again as soon as one succeeds. What it does not do is give up on a waiting request early:
/// a request queues for up to a minute while connections fail. ``withConnection(_:)``
/// therefore stops waiting after ``PostgreSQLBackendSettings/connectionWaitTimeout`` and
/// reports ``LeaseFailure``, and sooner when a request has waited ``diagnoseAfter`` and a
/// direct connection attempt (the `diagnose` closure) fails too: during an outage every
/// operation fails within about a second instead of queueing. Once the operation has its
/// connection it is never interrupted, so a timeout can never leave a write half-reported.
final class PostgreSQLConnectionPool: Sendable {
    /// The pool could not hand out a connection; the operation never ran.
    struct LeaseFailure: Error {
        /// What the pool threw, or `nil` when the wait ended.
        var underlying: (any Error)?
        /// Why a direct connection failed while the request waited, when one was tried.
        var diagnosis: PostgreSQLErrorTranslation.ConnectionFailure?
    }

    /// How long a request waits before a direct attempt checks whether the server is there.
    static let diagnoseAfter: Duration = .seconds(1)

    let client: PostgresClient
    private let waitTimeout: Duration
    private let diagnose: @Sendable () async -> PostgreSQLErrorTranslation.ConnectionFailure?
    private let runTask: Mutex<Task<Void, Never>?>

    /// - Parameter diagnose: one direct connection attempt; `nil` when the server answers.
    init(
        _ connection: PostgreSQLConnectionString, settings: PostgreSQLBackendSettings, logger: Logger,
        diagnose: @escaping @Sendable () async -> PostgreSQLErrorTranslation.ConnectionFailure?
    ) throws {
        var configuration = PostgresClient.Configuration(
            host: connection.host, port: connection.port, username: connection.user,
            password: connection.password, database: connection.database,
            tls: try connection.tlsConfiguration().map { .require($0) } ?? .disable)
        configuration.options.connectTimeout = connection.connectTimeout ?? settings.connectTimeout
        configuration.options.maximumConnections = connection.poolMaxConnections ?? settings.maximumConnections
        configuration.options.minimumConnections = 0
        let client = PostgresClient(configuration: configuration, backgroundLogger: Self.quiet(logger))
        self.client = client
        waitTimeout = settings.connectionWaitTimeout
        self.diagnose = diagnose
        runTask = Mutex(Task { await client.run() })
    }

    /// `logger` for postgres-nio itself: its trace and debug messages carry row contents
    /// (secrets), so it only ever gets warnings through.
    static func quiet(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        return quiet
    }

    /// Runs `body` on a pooled connection, waiting at most the configured time for one.
    ///
    /// - Throws: ``LeaseFailure`` when no connection came (the pool's error or a timeout);
    ///   otherwise whatever `body` throws.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let race = LeaseRace()
        let client = self.client
        let waitTimeout = self.waitTimeout
        let diagnose = self.diagnose
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                do {
                    return try await client.withConnection { connection in
                        guard race.claim() else { throw LeaseFailure(underlying: nil) }
                        return try await body(connection)
                    }
                } catch {
                    // An error before the body claimed the lease came from the pool itself.
                    if race.claimedByBody { throw error }
                    throw error as? LeaseFailure ?? LeaseFailure(underlying: error)
                }
            }
            group.addTask {
                let firstWait = min(Self.diagnoseAfter, waitTimeout)
                try? await Task.sleep(for: firstWait)
                // Cancelled: the operation ended (with its value or the pool's error) first.
                guard !Task.isCancelled, race.isWaiting else { return nil }
                if let diagnosis = await diagnose() {
                    if race.expire() { throw LeaseFailure(underlying: nil, diagnosis: diagnosis) }
                    return nil
                }
                // The server answers: the pool is reconnecting or busy; wait the rest.
                try? await Task.sleep(for: waitTimeout - firstWait)
                if !Task.isCancelled, race.expire() { throw LeaseFailure(underlying: nil) }
                return nil
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw LeaseFailure(underlying: nil)
        }
    }

    /// A pool dropped without ``shutdown()`` still stops its background task.
    deinit {
        runTask.withLock { $0?.cancel() }
    }

    /// Stops the background task, closing every connection; waits until it has ended.
    func shutdown() async {
        let task = runTask.withLock { task in
            defer { task = nil }
            return task
        }
        guard let task else { return }
        task.cancel()
        await task.value
    }
}

/// Decides, exactly once, whether an operation got its connection before its wait ran out.
private final class LeaseRace: Sendable {
    private enum State { case waiting, claimed, expired }
    private let state = Mutex(State.waiting)

    /// The body takes the connection; false when the wait already expired.
    func claim() -> Bool { transition(to: .claimed) }

    /// The wait runs out; false when the body already has its connection.
    func expire() -> Bool { transition(to: .expired) }

    var claimedByBody: Bool { state.withLock { $0 == .claimed } }

    var isWaiting: Bool { state.withLock { $0 == .waiting } }

    private func transition(to next: State) -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = next
            return true
        }
    }
}
