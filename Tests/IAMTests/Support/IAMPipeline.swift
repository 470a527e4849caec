import Crypto
import Foundation
import IAMJoin
import JoinCore
import JoineryProto
import Logging
import Server
import Synchronization
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

    /// Runs one join of `token` as `role`, answering challenges with `answer`.
    func join(token: String, role: SystemRole = .node, answer: @escaping @Sendable (Data) async throws -> Data) async -> (Joinery_V1_JoinResult?, [Joinery_V1_JoinResponse]) {
        let stream = AnsweringJoinStream(clientInit: Self.clientInit(token: token, role: role), answer: answer)
        try? await server.joinPipeline.run(stream, remoteAddress: "127.0.0.1:5000")
        return (stream.result, stream.sent)
    }

    func auditEvents() async throws -> [AuditEvent] { try await backend.auditEvents(limit: 1000) }

    func stop() async {
        try? await backend.close()
        try? FileManager.default.removeItem(at: directory)
    }

    static func clientInit(token: String, role: SystemRole, method: String = "iam") -> Joinery_V1_JoinRequest {
        let keys = Joinery_V1_PublicKeys.with {
            $0.publicTlsKey = P256.Signing.PrivateKey().publicKey.derRepresentation
            $0.publicSshKey = Data(SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey).wireBytes)
        }
        return .with {
            $0.clientInit = .with {
                $0.tokenName = token
                $0.joinMethod = method
                $0.systemRole = role.rawValue
                if role == .bot {
                    $0.botParams = .with { $0.publicKeys = keys }
                } else {
                    $0.hostParams = .with {
                        $0.publicKeys = keys
                        $0.hostName = "iam-node"
                    }
                }
            }
        }
    }
}

/// A JoinStream that answers each Challenge as it is sent.
final class AnsweringJoinStream: JoinStream {
    private let inbox: Mutex<[Joinery_V1_JoinRequest]>
    private let outbox = Mutex<[Joinery_V1_JoinResponse]>([])
    private let answer: @Sendable (Data) async throws -> Data

    init(clientInit: Joinery_V1_JoinRequest, answer: @escaping @Sendable (Data) async throws -> Data) {
        inbox = Mutex([clientInit])
        self.answer = answer
    }

    func receive() async throws -> Joinery_V1_JoinRequest? {
        inbox.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    func send(_ response: Joinery_V1_JoinResponse) async throws {
        outbox.withLock { $0.append(response) }
        if case .challenge(let challenge)? = response.payload {
            let solution = try await answer(challenge.payload)
            inbox.withLock { $0.append(.with { $0.solution = .with { $0.payload = solution } }) }
        }
    }

    var sent: [Joinery_V1_JoinResponse] { outbox.withLock { $0 } }

    var result: Joinery_V1_JoinResult? {
        sent.compactMap { if case .result(let r)? = $0.payload { r } else { nil } }.first
    }
}
