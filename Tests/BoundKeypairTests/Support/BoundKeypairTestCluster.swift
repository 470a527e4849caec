import BoundKeypairJoin
import Foundation
import JoinCore
import Server
import Synchronization
import XCTest

/// One cluster for bound-keypair tests: the server's real ``JWTAuthority``, a frozen clock, the
/// method, and the single stored copy of the token.
///
/// ``join(_:caller:role:effects:facts:interfere:replace:)`` runs a join the way the Auth
/// server's core does around a method (`JoinMethod.swift`): the prover's init payload, the
/// method's attestation over a loopback exchange, the bot instance the attestation chose, the
/// token patch applied to the freshest stored token, the result built from the committed token,
/// and the prover storing it. Nothing in it is a stand-in for the method or the prover.
final class BoundKeypairTestCluster: Sendable {
    static let clusterName = "joinery.test"
    static let botName = "robot"
    static let tokenName = "robot-token"
    /// The binding of the keys the harness's joins certify, told to both halves as the
    /// pipeline and the join client do.
    static let keyBinding = KeyBinding(sshPublicKey: Data("robot ssh key".utf8), tlsPublicKey: Data("robot tls key".utf8))

    let clock: ManualClock
    let jwt: JWTAuthority
    let signatureSuite: String
    let method: BoundKeypairJoinMethod
    private let stored = Mutex<ProvisionToken?>(nil)

    init(signatureSuite: String = "balanced-v1", jwt: JWTAuthority = .generate(clusterName: clusterName)) {
        // Whole seconds, so RFC 3339 times written into the status read back equal.
        clock = ManualClock(Date(timeIntervalSince1970: 1_767_225_600))
        self.jwt = jwt
        self.signatureSuite = signatureSuite
        method = BoundKeypairJoinMethod(clock: clock)
    }

    var cluster: ClusterServices {
        ClusterServices(clusterName: Self.clusterName, jwt: jwt, signatureSuite: signatureSuite)
    }

    /// A `Bot` token for `robot` with `section` as its `spec.bound_keypair`.
    static func token(section: JSONValue?, roles: [SystemRole] = [.bot], botName: String = botName) -> ProvisionToken {
        var token = ProvisionToken(name: tokenName, roles: roles, joinMethod: BoundKeypairJoinMethod.methodName)
        token.spec.botName = botName
        if let section { token.spec.methodSections["bound_keypair"] = section }
        return token
    }

    /// Stores a token the way `tctl create` does: validated, then prepared for storage.
    @discardableResult
    func createToken(section: JSONValue?) throws -> ProvisionToken {
        // What JoinMethodSet.validate runs for this token (its only section is the method's own).
        let validated = try method.validate(Self.token(section: section).checkedCommonFields())
        let prepared = try method.prepareForStorage(validated, replacing: token)
        stored.withLock { $0 = prepared }
        return prepared
    }

    /// The stored token (what the backend holds now).
    var token: ProvisionToken? { stored.withLock { $0 } }

    /// Replaces the stored token, as another Auth server or an administrator would.
    func store(_ token: ProvisionToken) { stored.withLock { $0 = token } }

    /// The stored token's `status.bound_keypair`.
    func status() throws -> BoundKeypairStatus { try BoundKeypairStatus(of: XCTUnwrap(token)) }

    /// Edits the stored token's status in place.
    func editStatus(_ edit: (inout BoundKeypairStatus) -> Void) throws {
        var status = try status()
        edit(&status)
        store(status.stored(in: try XCTUnwrap(token)))
    }

    /// A real prover keeping its files in `directory`.
    func prover(directory: URL, secret: String? = nil) throws -> BoundKeypairProver {
        var section: [String: JSONValue] = [:]
        if let secret { section["registration_secret"] = .string(secret) }
        return try BoundKeypairProver(context: ProverContext(
            clock: clock, joinParams: .object(["bound_keypair": .object(section)]), dataDirectory: directory, environment: [:]))
    }

    /// What a successful join produced.
    struct Outcome {
        var attestation: Attestation
        /// What the method recorded for the audit event.
        var facts: [String: String]
        var instanceID: String
        var committed: ProvisionToken
        var joinState: String
        var publicKey: String
        var exchange: LoopbackChallengeExchange
        var effects: AttemptEffects

        /// The identity the bot now holds, for an authenticated re-join.
        var caller: BotCaller { BotCaller(botName: BoundKeypairTestCluster.botName, instanceID: instanceID, generation: 1) }
    }

    func join(_ prover: BoundKeypairProver, caller: BotCaller? = nil, role: SystemRole = .bot,
              effects: AttemptEffects = AttemptEffects(), facts: AttemptFacts = AttemptFacts(),
              interfere: @escaping LoopbackChallengeExchange.ChallengeEdit = { _, challenge in challenge },
              replace: @escaping LoopbackChallengeExchange.AnswerEdit = { _, _, answer in answer }) async throws -> Outcome {
        let request = ProofRequest(tokenName: Self.tokenName, role: role, nodeName: "", keyBinding: Self.keyBinding)
        let attempt = JoinAttempt(
            token: try XCTUnwrap(token), tokenRevision: 1, requestedRole: role, nodeName: "",
            remoteAddress: "127.0.0.1:40000", initialPayload: try await prover.initialPayload(for: request),
            startedAt: clock.now, facts: facts, caller: caller, cluster: cluster, effects: effects, keyBinding: Self.keyBinding)
        let exchange = LoopbackChallengeExchange(prover: prover, request: request, interfere: interfere, replace: replace)
        let attestation = try await method.attest(attempt, over: exchange)

        let instanceID: String
        switch attestation.bot?.instance ?? .automatic {
        case .continueCaller: instanceID = try XCTUnwrap(caller).instanceID
        case .new, .automatic: instanceID = UUID().uuidString.lowercased()
        }
        guard case .patch(let patch) = attestation.tokenChange else {
            throw JoinError.internalError("expected a token patch, got \(attestation.tokenChange)")
        }
        let commit = CommitContext(botInstanceID: instanceID, now: clock.now)
        let committed = try patch.apply(try XCTUnwrap(token), commit)
        store(committed)
        let methodResult = try XCTUnwrap(attestation.methodResult)
        let result = try methodResult(committed, commit)
        try await prover.finish(methodResult: result, for: request)

        let fields = try XCTUnwrap(JSONSerialization.jsonObject(with: result) as? [String: String])
        return Outcome(attestation: attestation, facts: attempt.facts.all, instanceID: instanceID, committed: committed,
                       joinState: try XCTUnwrap(fields["join_state"]), publicKey: try XCTUnwrap(fields["public_key"]),
                       exchange: exchange, effects: effects)
    }
}

extension XCTestCase {
    /// A fresh empty folder, removed when the test ends.
    func temporaryDirectory() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("joinery-bkp-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// Awaits `body`, expecting a ``JoinError`` of `kind` whose message is exactly `message`.
    @discardableResult
    func assertFails<T>(_ kind: JoinError.Kind, _ message: String, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () async throws -> T) async -> JoinError? {
        do {
            _ = try await body()
            XCTFail("expected \(kind) \"\(message)\", but it succeeded", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            XCTAssertEqual(error.message, message, file: file, line: line)
            return error
        } catch {
            XCTFail("expected JoinError \"\(message)\", got \(error)", file: file, line: line)
        }
        return nil
    }

    /// `assertFails` for synchronous code, matching a message fragment.
    func assertThrowsJoinError(_ kind: JoinError.Kind, containing fragment: String,
                               file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? JoinError else {
                return XCTFail("expected JoinError, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"", file: file, line: line)
        }
    }

    /// The same for async `body` (validation through a ``JoinMethodSet``).
    func assertThrowsJoinError(_ kind: JoinError.Kind, containing fragment: String,
                               file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void) async {
        do {
            try await body()
            XCTFail("expected \(kind) containing \"\(fragment)\", got success", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"", file: file, line: line)
        } catch {
            XCTFail("expected JoinError, got \(error)", file: file, line: line)
        }
    }
}

/// Small builders for `spec.bound_keypair` sections.
enum Section {
    static func make(initialPublicKey: String? = nil, registrationSecret: String? = nil, mustRegisterBefore: String? = nil,
                     limit: Int? = nil, mode: String? = nil, rotateAfter: String? = nil) -> JSONValue {
        var onboarding: [String: JSONValue] = [:]
        if let initialPublicKey { onboarding["initial_public_key"] = .string(initialPublicKey) }
        if let registrationSecret { onboarding["registration_secret"] = .string(registrationSecret) }
        if let mustRegisterBefore { onboarding["must_register_before"] = .string(mustRegisterBefore) }
        var recovery: [String: JSONValue] = [:]
        if let limit { recovery["limit"] = .number(Double(limit)) }
        if let mode { recovery["mode"] = .string(mode) }
        var section: [String: JSONValue] = [:]
        if !onboarding.isEmpty { section["onboarding"] = .object(onboarding) }
        if !recovery.isEmpty { section["recovery"] = .object(recovery) }
        if let rotateAfter { section["rotate_after"] = .string(rotateAfter) }
        return .object(section)
    }
}
