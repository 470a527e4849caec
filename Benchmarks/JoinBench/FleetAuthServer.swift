import Dispatch
import Foundation
import JoinCore
import ListenSockets
import Logging
import Server
import StaticJoin
import TokenJoin
#if canImport(Glibc)
import Glibc
#endif

/// `joinery-bench fleet-auth --data-dir D --port P --token NAME` (hidden): the fleet
/// benchmark's Auth server, in a process of its own so that its CPU, memory and descriptors are
/// measured apart from the load generator's. An in-process Auth server on SQLite in `D`, on
/// 127.0.0.1:`P` (0 picks a port; a restart passes the port it got), with the join rate limits
/// out of the way as for the storms and the open-file limit raised as `teleport start` raises
/// it. It creates (or renews) the multi-use token `NAME`, writes a ``FleetAuthHandoff`` once it
/// listens, and shuts down as `teleport start` does on SIGTERM: cancelled, draining gracefully.
enum FleetAuthServer {
    static let clusterName = "fleet.example.com"

    static func run(_ arguments: [String]) async throws {
        var values: [String: String] = [:]
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard ["--data-dir", "--port", "--token"].contains(name), let value = iterator.next() else {
                throw JoinError.badParameter("fleet-auth takes --data-dir D --port P --token NAME")
            }
            values[name] = value
        }
        guard let path = values["--data-dir"], let port = values["--port"].flatMap({ Int($0) }), let token = values["--token"] else {
            throw JoinError.badParameter("fleet-auth takes --data-dir D --port P --token NAME")
        }
        if let limit = OpenFileLimit.raiseToHardLimit(), limit.after < 16_384 {
            FileHandle.standardError.write(Data("fleet-auth: open-file limit only \(limit.after) (hard \(limit.hard))\n".utf8))
        }
        try await serve(dataDirectory: URL(fileURLWithPath: path), port: port, token: token)
    }

    private static func serve(dataDirectory: URL, port: Int, token: String) async throws {
        let clock = SystemClock()
        let logger = Logger(label: "fleet-auth")
        let backend = try SQLiteBackend(path: dataDirectory.appendingPathComponent("backend.sqlite"), clock: clock)
        let methods = try JoinMethodRegistry(plugins: [.staticTokens, .storedTokens])
            .makeMethods(context: PluginContext(clock: clock, logger: logger, authService: .object([:])))
        let settings = AuthServerSettings(
            clusterName: clusterName, listenHost: "127.0.0.1", listenPort: port, advertiseAddress: "127.0.0.1:\(port)",
            dataDirectory: dataDirectory.appendingPathComponent("auth"),
            rateLimits: .init(averagePerSecond: 1_000_000, burst: 1_000_000, maximumConcurrent: 1_000_000), version: "bench")
        let server = try await AuthServer(settings: settings, backend: backend, methods: methods, clock: clock, logger: logger)
        _ = try await server.tokens.create(
            ProvisionToken(name: token, roles: [.node], expires: clock.now.addingTimeInterval(86_400)), upsert: true)
        let pins = server.authorities.hostCAPins
        let handoff = FleetAuthHandoff.file(in: dataDirectory)
        let task = Task {
            try await server.run(onListening: { address in
                try? FleetAuthHandoff(address: address, pins: pins, token: token).write(to: handoff)
            })
        }
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler { task.cancel() }
        source.resume()
        defer { source.cancel() }
        do {
            try await task.value
        } catch where task.isCancelled {
        }
        try? await backend.close()
    }
}
