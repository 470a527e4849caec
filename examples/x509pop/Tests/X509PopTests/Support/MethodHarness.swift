import Crypto
import Foundation
import JoinCore
import Synchronization
import X509
import X509PopJoin

/// Answers each challenge with a prover, as the join client would, and keeps what passed.
final class ProverExchange: ChallengeExchange {
    let answer: @Sendable (Data) async throws -> Data
    private let log = Mutex<(challenges: [Data], solutions: [Data])>(([], []))

    init(_ answer: @escaping @Sendable (Data) async throws -> Data) {
        self.answer = answer
    }

    convenience init(prover: any JoinProver, request: ProofRequest = MethodHarness.request) {
        self.init { try await prover.answer($0, for: request) }
    }

    func challenge(_ payload: Data) async throws -> Data {
        let solution = try await answer(payload)
        log.withLock {
            $0.challenges.append(payload)
            $0.solutions.append(solution)
        }
        return solution
    }

    var challenges: [Data] { log.withLock { $0.challenges } }
    var solutions: [Data] { log.withLock { $0.solutions } }
}

/// The method alone, on a frozen clock, with a CA bundle and hosts made in the test.
struct MethodHarness {
    static let now = Date(timeIntervalSince1970: 1_767_366_245)  // 2026-01-02T15:04:05Z
    static let clusterName = "test.example.com"
    static let request = ProofRequest(tokenName: "x509pop-hosts", role: .node, nodeName: "node-1")

    let root: TestCA
    let method: X509PopJoinMethod

    init(root: TestCA? = nil) throws {
        let root = try root ?? TestCA.root(now: Self.now)
        self.root = root
        method = X509PopJoinMethod(bundle: X509PopCABundle(certificates: [root.certificate]))
    }

    /// A token of the method, with `section` as its `spec.x509pop`.
    static func token(_ section: JSONValue? = nil, name: String = "x509pop-hosts") -> ProvisionToken {
        var token = ProvisionToken(name: name, roles: [.node], joinMethod: X509Pop.methodName, expires: now.addingTimeInterval(3600))
        if let section { token.spec.methodSections[X509Pop.tokenSection] = section }
        return token
    }

    static func attempt(_ payload: Data, token: ProvisionToken = token(), at time: Date = now, facts: AttemptFacts = AttemptFacts()) -> JoinAttempt {
        JoinAttempt(token: token, tokenRevision: 1, requestedRole: .node, nodeName: "node-1", remoteAddress: "127.0.0.1:5000",
                    initialPayload: payload, startedAt: time, facts: facts,
                    cluster: ClusterServices(clusterName: clusterName, jwt: UnavailableJWTAuthority(), signatureSuite: "balanced-v1"))
    }

    /// The host's prover, reading nothing from disk.
    static func prover(for host: TestHost) throws -> X509PopProver {
        X509PopProver(credentials: try HostCredentials(chain: X509PopPayload(derEncodings: host.chain.map(\.derBytes)), privateKey: host.key))
    }

    /// A whole join of `host`: its payload, then its answer to the challenge. The method
    /// records what it verified in `facts`.
    func attest(_ host: TestHost, token: ProvisionToken = token(), at time: Date = now,
                exchange: ProverExchange? = nil, facts: AttemptFacts = AttemptFacts()) async throws -> Attestation {
        let prover = try Self.prover(for: host)
        let payload = try await prover.initialPayload(for: Self.request)
        return try await method.attest(Self.attempt(payload, token: token, at: time, facts: facts),
                                       over: exchange ?? ProverExchange(prover: prover))
    }
}
