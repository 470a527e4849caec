import Foundation
import JoinCore
import Logging
import Server
import Transport

/// An Auth server run in-process on a data_dir and a backend the test owns, so the same server
/// can be stopped and started again on them (a restart), or several servers can share one
/// backend. Unlike ``TestCluster``, `stop()` ends the run only: the data_dir and the backend
/// stay with the test.
public final class RestartableAuthServer: @unchecked Sendable {
    public static let clusterName = "admin.example.com"

    public let dataDirectory: URL
    public let backend: any Backend
    public let server: AuthServer
    private var task: Task<Void, any Error>?
    public private(set) var address: AuthAddress?

    public init(dataDirectory: URL, backend: any Backend, registry: JoinMethodRegistry, clock: any JoinClock = SystemClock(),
                adminIdentity: AdminIdentityPolicy = .standard) async throws {
        self.dataDirectory = dataDirectory
        self.backend = backend
        var settings = AuthServerSettings(
            clusterName: Self.clusterName, listenHost: "127.0.0.1", listenPort: 0, advertiseAddress: "127.0.0.1:0",
            dataDirectory: dataDirectory, version: "test")
        settings.adminIdentity = adminIdentity
        let methods = try registry.makeMethods(
            context: PluginContext(clock: clock, logger: Logger(label: "test"), authService: .object([:])))
        server = try await AuthServer(settings: settings, backend: backend, methods: methods, clock: clock,
                                      logger: Logger(label: "test-auth"))
    }

    /// Starts serving and waits until the port is open (or the run failed).
    @discardableResult
    public func start() async throws -> AuthAddress {
        let (ready, continuation) = AsyncStream<String>.makeStream()
        let server = self.server
        let task = Task {
            defer { continuation.finish() }
            try await server.run(onListening: { continuation.yield($0); continuation.finish() })
        }
        self.task = task
        var iterator = ready.makeAsyncIterator()
        guard let text = await iterator.next() else {
            _ = try await task.value
            throw JoinError.unavailable("the test Auth server did not start")
        }
        let address = try AuthAddress(parsing: text)
        self.address = address
        return address
    }

    /// Ends the run as a clean shutdown does (cancellation), and waits for it.
    public func stop() async {
        task?.cancel()
        _ = try? await task?.value
        task = nil
    }

    /// `data_dir/admin/`, where the server writes tctl's identity.
    public var adminDirectory: URL { AdminIdentityFile.directory(in: dataDirectory) }

    /// A copy of `data_dir/admin/` as it is now, as an operator (or a thief) would take it.
    public func copyAdminIdentity(to destination: URL) throws -> URL {
        try? FileManager.default.removeItem(at: destination)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: adminDirectory, to: destination)
        return destination
    }
}
