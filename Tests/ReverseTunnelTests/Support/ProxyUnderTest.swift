import Foundation
import Logging
import NIOCore
import ProxyService
import ReverseTunnel
import Transport

/// A real Proxy Service on 127.0.0.1, started and stopped by a test.
final class ProxyUnderTest: @unchecked Sendable {
    let service: ProxyService
    let address: AuthAddress
    private let task: Task<Void, any Error>

    private init(service: ProxyService, address: AuthAddress, task: Task<Void, any Error>) {
        self.service = service
        self.address = address
        self.task = task
    }

    var tunnels: TunnelRegistry { service.tunnels }

    static func start(settings: ProxyServiceSettings, resolver: any NodeResolver, logger: Logger) async throws -> ProxyUnderTest {
        let service = ProxyService(settings: settings, webAPI: { channel in channel.close(promise: nil) }, logger: logger,
                                   nodeResolver: resolver)
        let (listening, announce) = AsyncStream<String>.makeStream()
        let task = Task { try await service.run(onListening: { announce.yield($0); announce.finish() }) }
        let bound = await withTaskGroup(of: String?.self) { group in
            group.addTask { var iterator = listening.makeAsyncIterator(); return await iterator.next() }
            group.addTask { try? await Task.sleep(for: .seconds(10)); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            announce.finish()
            return first
        }
        guard let bound else {
            task.cancel()
            _ = try? await task.value
            throw TestFailure("the Proxy Service did not start")
        }
        return ProxyUnderTest(service: service, address: try AuthAddress(parsing: bound), task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// A node agent running in its own task, stopped by the test.
final class AgentUnderTest: @unchecked Sendable {
    let agent: ReverseTunnelAgent
    private let task: Task<Void, Never>

    init(_ agent: ReverseTunnelAgent) {
        self.agent = agent
        task = Task { await agent.run() }
    }

    func stop() async {
        task.cancel()
        await task.value
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, failing with ``TestFailure`` after `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TestFailure("\(what) did not finish within \(limit)")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Polls `condition` every 20 ms for at most `limit`.
func eventually(_ limit: Duration = .seconds(5), _ condition: @Sendable () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
