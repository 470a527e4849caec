import Crypto
import Foundation
import JoinCore
import Synchronization

/// A small challenge-response method for testing the kit itself, with one deliberate flaw
/// at a time: the client sends `{"hello":"probe"}`, the server a nonce, the client
/// HMAC-SHA256(key, nonce ‖ token name) with the key in the token's `spec.probe.key` (and in
/// its `join_params.key`). Without a flaw it is correct, so the kit must pass it.
struct ProbeJoinMethod: JoinMethod {
    /// What is wrong with the method; each flaw should fail exactly the checks named.
    enum Flaw: Sendable {
        /// The nonce is the same every join: a captured solution answers the next one (replay).
        case fixedNonce
        /// A payload it cannot parse escapes as a raw `DecodingError` (truncated payloads).
        case untypedErrorOnBadPayload
        /// When the client leaves mid-challenge the method locks the token: a write on a
        /// refusal (cancelled stream).
        case locksWhenTheClientLeaves
        /// Single-use tokens are remembered in memory, checked before the challenge and marked
        /// after it, instead of consumed by the core (concurrent double use).
        case singleUseCheckedInMemory
        /// Its token source claims every name outside the method's own naming scheme (`probe-…`)
        /// as a legacy token, so an unknown name is not refused as unknown (unknown token).
        case tokenSourceClaimsForeignNames
    }

    static let methodName = "probe"
    static let hello = Data(#"{"hello":"probe"}"#.utf8)

    let name = ProbeJoinMethod.methodName
    let flaw: Flaw?
    /// Whether the method challenges at all (off: it checks the key sent in the initial payload).
    let challenges: Bool
    private let used = UsedNames()

    init(flaw: Flaw?, challenges: Bool = true) {
        self.flaw = flaw
        self.challenges = challenges
    }

    var tokenSpecSections: Set<String> { ["probe"] }

    var tokenSource: (any TokenSource)? { flaw == .tokenSourceClaimsForeignNames ? ClaimsForeignNames() : nil }

    func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        _ = try ProbeTokenSpec(token)
        return token
    }

    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        let spec = try ProbeTokenSpec(attempt.token)
        let hello: Hello
        do {
            hello = try JSONDecoder().decode(Hello.self, from: attempt.initialPayload)
        } catch {
            if flaw == .untypedErrorOnBadPayload { throw error }
            throw JoinError.badParameter("probe: the initial payload is not a probe hello")
        }
        guard challenges else {
            guard let key = hello.key, ConstantTime.equals(key, spec.key) else {
                throw JoinError.accessDenied("probe: the initial payload does not carry the token's key")
            }
            return Attestation()
        }
        let isUnused = used.names.withLock { !$0.contains(attempt.token.metadata.name) }
        if flaw == .singleUseCheckedInMemory, spec.singleUse, !isUnused {
            throw JoinError.accessDenied("probe: the token was already used")
        }
        let nonce = flaw == .fixedNonce ? Data(repeating: 7, count: 32) : SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let solution: Data
        do {
            solution = try await exchange.challenge(nonce)
        } catch {
            if flaw == .locksWhenTheClientLeaves, (error as? JoinError)?.kind != .badParameter {
                attempt.effects.lock(.joinToken(attempt.token.metadata.name), message: "probe: the client left mid-challenge")
            }
            throw error
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(
            solution, authenticating: Self.message(nonce: nonce, token: attempt.token.metadata.name),
            using: SymmetricKey(data: Data(spec.key.utf8))) else {
            throw JoinError.accessDenied("probe: the solution does not prove the token's key")
        }
        if flaw == .singleUseCheckedInMemory {
            if spec.singleUse { used.names.withLock { _ = $0.insert(attempt.token.metadata.name) } }
            return Attestation()
        }
        return Attestation(tokenChange: spec.singleUse ? .consume : .none)
    }

    static func message(nonce: Data, token: String) -> Data { nonce + Data(token.utf8) }

    struct Hello: Codable {
        var hello: String
        var key: String?
    }
}

/// The names the flawed method remembers as used (one set per method, shared by its copies).
private final class UsedNames: Sendable {
    let names = Mutex<Set<String>>([])
}

/// `spec.probe` of a token: the shared key, and whether the token is single use.
struct ProbeTokenSpec {
    var key: String
    var singleUse: Bool

    init(_ token: ProvisionToken) throws {
        guard let key = token.spec.methodSections["probe"]?["key"]?.stringValue, !key.isEmpty else {
            throw JoinError.badParameter("spec.probe.key: required")
        }
        self.key = key
        singleUse = token.spec.methodSections["probe"]?["single_use"] == .bool(true)
    }
}

/// The flawed source: any name not shaped like the method's own is a Node token with a fixed key.
private struct ClaimsForeignNames: TokenSource {
    func token(named name: String) -> ProvisionToken? {
        guard !name.hasPrefix("probe-") else { return nil }
        var token = ProvisionToken(name: name, roles: [.node], joinMethod: ProbeJoinMethod.methodName)
        token.spec.methodSections["probe"] = .object(["key": .string(ProbeJoinProver.sourceKey)])
        return token
    }

    func allTokens() -> [ProvisionToken] { [] }
}

/// The client half: the hello (with the key, when the method does not challenge), then the HMAC.
struct ProbeJoinProver: JoinProver {
    /// The key of every token the flawed source makes up; the prover uses it when it has none.
    static let sourceKey = "probe-key-the-flawed-source-hands-out"

    let name = ProbeJoinMethod.methodName
    let key: String
    let sendsKey: Bool

    func initialPayload(for request: ProofRequest) async throws -> Data {
        try JSONEncoder().encode(ProbeJoinMethod.Hello(hello: "probe", key: sendsKey ? key : nil))
    }

    func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        Data(HMAC<SHA256>.authenticationCode(
            for: ProbeJoinMethod.message(nonce: challenge, token: request.tokenName), using: SymmetricKey(data: Data(key.utf8))))
    }
}

extension JoinMethodPlugin {
    /// The probe method with `flaw`.
    static func probe(flaw: ProbeJoinMethod.Flaw?, challenges: Bool = true) -> JoinMethodPlugin {
        JoinMethodPlugin(
            name: ProbeJoinMethod.methodName,
            makeMethod: { _ in ProbeJoinMethod(flaw: flaw, challenges: challenges) },
            makeProver: { context in
                ProbeJoinProver(key: context.joinParams["key"]?.stringValue ?? ProbeJoinProver.sourceKey, sendsKey: !challenges)
            })
    }
}
