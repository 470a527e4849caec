import Foundation
import IAMJoin
import JoinCore
import JoineryProto
import Logging
import Server
import TestSupport
import TokenJoin

/// A real Auth server pipeline in-process (SQLite in a scratch folder) with the `iam` method
/// forwarding to `sts` (as `AWS_ENDPOINT_URL_STS`), like ServerTests' TestCluster.
final class IAMPipeline: @unchecked Sendable {
    let directory: URL
    let backend: SQLiteBackend
    let server: AuthServer

    init(sts: URL, fips: Bool = false) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("iam-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = SystemClock()
        backend = try SQLiteBackend(path: directory.appendingPathComponent("backend.sqlite"), clock: clock)
        let iam = try IAMHarness.method(sts: sts, fips: fips)
        let methods = JoinMethodSet(methods: [TokenJoinMethod(), iam], registeredNames: ["iam", "token"])
        server = try await AuthServer(
            settings: AuthServerSettings(clusterName: "iam.example.com", listenHost: "127.0.0.1", listenPort: 0,
                                         advertiseAddress: "127.0.0.1:0", dataDirectory: directory.appendingPathComponent("auth"),
                                         version: "test", joinTimeoutSeconds: 30),
            backend: backend, methods: methods, clock: clock, logger: Logger(label: "iam-test-auth"))
    }

    func create(_ token: ProvisionToken) async throws {
        _ = try await server.tokens.create(token, upsert: false)
    }

    /// Runs one join of `token` as `role` presenting `keys` in ClientInit, answering challenges
    /// with `answer`.
    func join(token: String, role: SystemRole = .node, keys: JoinTestKeys = IAMHarness.keys,
              answer: @escaping @Sendable (Data) async throws -> Data) async -> (Joinery_V1_JoinResult?, [Joinery_V1_JoinResponse]) {
        let stream = InMemoryJoinStream(
            [InMemoryJoinStream.clientInit(token: token, role: role, method: "iam", nodeName: "iam-node", keys: keys)], answer: answer)
        try? await server.joinPipeline.run(stream, remoteAddress: "127.0.0.1:5000")
        return (stream.result, stream.sent)
    }

    func auditEvents() async throws -> [AuditEvent] { try await backend.auditEvents(limit: 1000) }

    func stop() async {
        try? await backend.close()
        try? FileManager.default.removeItem(at: directory)
    }
}
