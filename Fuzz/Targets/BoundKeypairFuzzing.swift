import BoundKeypairJoin
import Foundation
import JoinCore
import Logging
import Synchronization

/// The `bound_keypair` method's messages, through the method itself: the init payload
/// (`ClientInit.method_payload`), then the client's answers to each challenge or rotation
/// request, in the four situations of spec §8.5 (onboarding with a pre-registered key or a
/// registration secret, recovery, re-join with rotation).
///
/// An input is a scenario byte, then segments separated by `"\n--\n"`: the init payload and the
/// answers in order. A fuzzer cannot forge signatures, so a few segments are instructions that
/// let inputs get past the signature checks to the claims behind them:
/// - `sign` answers a challenge with a correct solution by the key the challenge names;
/// - `sign:<bytes>` answers with `<bytes>` signed by that key (fuzzed challenge claims);
/// - `rotate` answers a rotation request with the second fixed key;
/// - an init payload `state:<bytes>` sends `<bytes>` signed by the cluster's CA as
///   `previous_join_state` (fuzzed join-state claims).
enum BoundKeypairFuzzing {
    static let separator = Array("\n--\n".utf8)
    static let clusterName = "fuzz.example"
    static let botName = "fuzz-bot"
    static let instanceID = "00000000-0000-4000-8000-000000000001"
    static let startTime = Date(timeIntervalSince1970: 1_767_225_600)
    static let boundKey = JWSFuzzing.ed25519Key
    static let rotationKey = JWSFuzzing.p256Key

    static let method = BoundKeypairJoinMethod(
        clock: ManualClock(startTime), logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))

    static var cluster: ClusterServices {
        ClusterServices(clusterName: clusterName, jwt: JWSFuzzing.authority, signatureSuite: "balanced-v1")
    }

    /// The stored token of each scenario, as `tctl create` and earlier joins would leave it.
    static let tokens: [ProvisionToken] = {
        let key = JSONValue.string(boundKey.publicKey.ssh.authorizedKey)
        let sections: [JSONValue] = [
            .object(["onboarding": .object(["initial_public_key": key])]),
            .object(["onboarding": .object(["registration_secret": .string("fuzz-registration-secret")])]),
            .object(["onboarding": .object(["initial_public_key": key]),
                     "recovery": .object(["limit": .number(5), "mode": .string("standard")])]),
            .object(["onboarding": .object(["initial_public_key": key]),
                     "recovery": .object(["limit": .number(5), "mode": .string("relaxed")]),
                     "rotate_after": .string("2025-01-01T00:00:00Z")]),
        ]
        return sections.enumerated().map { index, section in
            var token = ProvisionToken(name: "fuzz-token-\(index)", roles: [.bot], joinMethod: BoundKeypairJoinMethod.methodName)
            token.spec.botName = botName
            token.spec.methodSections["bound_keypair"] = section
            let written = token
            guard let validated = AsyncBridge.value({ try? await JoinMethodSet(methods: [method]).validate(written) }),
                  let prepared = try? method.prepareForStorage(validated, replacing: nil) else {
                preconditionFailure("fuzz token \(index) does not validate")
            }
            guard index >= 2 else { return prepared }
            let status = BoundKeypairStatus(boundPublicKey: boundKey.publicKey.ssh.authorizedKey,
                                            boundBotInstanceID: instanceID, recoveryCount: 1)
            return status.stored(in: prepared)
        }
    }()

    static let messages = FuzzTarget("bound-keypair", maximumLength: 16 * 1024, detectsLeaks: false, setUp: { _ = tokens }) { bytes in
        guard let scenario = bytes.first else { return }
        var segments = split(bytes.dropFirst())
        let initial = segments.isEmpty ? Data() : initPayload(segments.removeFirst())
        attest(scenario: Int(scenario), initialPayload: initial, answers: segments)
    }

    /// Runs one attempt of `scenario` (0–3) with `initialPayload` and `answers`.
    static func attest(scenario: Int, initialPayload: Data, answers: [[UInt8]]) {
        let token = tokens[scenario % tokens.count]
        let caller = scenario % tokens.count == 3 ? BotCaller(botName: botName, instanceID: instanceID, generation: 1) : nil
        let attempt = JoinAttempt(
            token: token, tokenRevision: 1, requestedRole: .bot, nodeName: "", remoteAddress: "192.0.2.1:40000",
            initialPayload: initialPayload, startedAt: startTime, caller: caller, cluster: cluster,
            keyBinding: KeyBinding(sshPublicKey: Data("fuzz ssh key".utf8), tlsPublicKey: Data("fuzz tls key".utf8)))
        let exchange = ScriptedExchange(answers)
        AsyncBridge.wait {
            guard let attestation = try? await method.attest(attempt, over: exchange) else { return }
            // A passing attempt also commits and builds its result, as the core would.
            let context = CommitContext(botInstanceID: instanceID, now: startTime)
            var committed = token
            if case .patch(let patch) = attestation.tokenChange, let patched = try? patch.apply(token, context) {
                committed = patched
            }
            _ = try? attestation.methodResult?(committed, context)
        }
    }

    static func split(_ bytes: ArraySlice<UInt8>) -> [[UInt8]] {
        var segments: [[UInt8]] = []
        var current: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index...].starts(with: separator) {
                segments.append(current)
                current = []
                index += separator.count
            } else {
                current.append(bytes[index])
                index += 1
            }
        }
        segments.append(current)
        return segments
    }

    static func initPayload(_ segment: [UInt8]) -> Data {
        let prefix = Array("state:".utf8)
        guard segment.starts(with: prefix), let state = try? JWSFuzzing.authority.sign(claims: Data(segment.dropFirst(prefix.count))),
              let payload = try? JSONSerialization.data(withJSONObject: ["previous_join_state": state]) else {
            return Data(segment)
        }
        return payload
    }

    /// The client's answer to `challenge` for a scripted `segment`.
    static func answer(_ segment: [UInt8], to challenge: Data) -> Data {
        let text = String(decoding: segment, as: UTF8.self)
        if text == "rotate" {
            return json(["public_key": rotationKey.publicKey.ssh.authorizedKey])
        }
        guard text == "sign" || text.hasPrefix("sign:"),
              let request = try? JSONSerialization.jsonObject(with: challenge) as? [String: Any],
              let publicKey = request["public_key"] as? String, let document = request["challenge"] as? String else {
            return Data(segment)
        }
        let key = publicKey == rotationKey.publicKey.ssh.authorizedKey ? rotationKey : boundKey
        let payload = text == "sign" ? Data(document.utf8) : Data(segment.dropFirst(5))
        guard let solution = try? CompactJWS.sign(payload: payload, with: key) else { return Data(segment) }
        return json(["solution": solution])
    }

    private static func json(_ object: [String: String]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }
}

/// The client's side of the challenge rounds, answering from a script; when the script runs
/// out the client gives up, as a real one would disconnect.
final class ScriptedExchange: ChallengeExchange {
    private let answers: Mutex<[[UInt8]]>

    init(_ answers: [[UInt8]]) { self.answers = Mutex(answers) }

    func challenge(_ payload: Data) async throws -> Data {
        guard let next = answers.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            throw JoinError.badParameter("the client gave up")
        }
        return BoundKeypairFuzzing.answer(next, to: payload)
    }
}
