import Crypto
import Foundation
import JoinCore
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinPluginSDK
import JoineryProto
import PluginProtocol

/// A join method used to test the external-plugin machinery: one challenge round (sign-free:
/// the answer is the challenge reversed), plus behaviours chosen by the client's initial
/// payload so tests can make the program misbehave on purpose:
/// `crash` (exit in the middle of a join), `hang` (never answer), `garbage` (a malformed
/// error), `refuse` (an ordinary refusal). Not a method anyone should use.
struct FixtureMethod: JoinMethod {
    let name = "fixture"
    var tokenSpecSections: Set<String> { ["fixture"] }

    func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        if case .object(let section)? = token.spec.methodSections["fixture"], section["reject"] == .bool(true) {
            throw JoinError.badParameter("spec.fixture.reject is set")
        }
        return token
    }

    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        switch String(decoding: attempt.initialPayload, as: UTF8.self) {
        case "crash": exit(3)
        case "hang": try await Task.sleep(for: .seconds(3600))
        case "refuse":
            attempt.facts.record("fixture_checked", "yes")
            throw JoinError.accessDenied("the fixture refused this join")
        default: break
        }
        // The answer is bound to the keys being certified (the challenge reversed, then the key
        // binding), as a method with a real live proof would bind its signature.
        guard let keyBinding = attempt.keyBinding else {
            throw JoinError.badParameter("the fixture got no key binding from the Auth server")
        }
        let challenge = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        let solution = try await exchange.challenge(challenge)
        guard solution.prefix(challenge.count) == Data(challenge.reversed()) else {
            throw JoinError.accessDenied("the fixture's challenge was answered wrongly")
        }
        guard solution.dropFirst(challenge.count) == keyBinding.bytes else {
            throw JoinError.accessDenied("the fixture's answer is bound to other public keys than the ones this join certifies")
        }
        attempt.facts.record("fixture_pid", "\(getpid())")
        attempt.facts.record("fixture_key_binding", keyBinding.text)
        return Attestation(methodResult: { _, _ in Data("welcome".utf8) })
    }
}

/// With settings `{"garbage": "attest"}` the program speaks the protocol badly instead: it
/// describes itself correctly and accepts tokens, then answers every join with empty messages;
/// with `{"garbage": "all"}` token validation gets an empty answer too.
struct GarbageService: Joinery_V1_JoinPlugin.SimpleServiceProtocol {
    let everything: Bool

    func describe(request: Joinery_V1_DescribeRequest, context: ServerContext) async throws -> Joinery_V1_DescribeResponse {
        .with {
            $0.name = "fixture"
            $0.tokenSpecSections = ["fixture"]
            $0.protocolVersion = 1
        }
    }
    func validateToken(request: Joinery_V1_ValidateTokenRequest, context: ServerContext) async throws -> Joinery_V1_ValidateTokenResponse {
        everything ? Joinery_V1_ValidateTokenResponse() : .with { $0.tokenJson = request.tokenJson }
    }
    func attest(request: RPCAsyncSequence<Joinery_V1_AttestRequest, any Error>, response: RPCWriter<Joinery_V1_AttestResponse>,
                context: ServerContext) async throws {
        try await response.write(Joinery_V1_AttestResponse())
    }
    func initialPayload(request: Joinery_V1_ProverRequest, context: ServerContext) async throws -> Joinery_V1_ProverResponse {
        Joinery_V1_ProverResponse()
    }
    func answer(request: Joinery_V1_ProverRequest, context: ServerContext) async throws -> Joinery_V1_ProverResponse {
        Joinery_V1_ProverResponse()
    }
    func finish(request: Joinery_V1_ProverRequest, context: ServerContext) async throws -> Joinery_V1_ProverResponse {
        Joinery_V1_ProverResponse()
    }
}

struct FixtureProver: JoinProver {
    let name = "fixture"
    let behaviour: String

    func initialPayload(for request: ProofRequest) async throws -> Data { Data(behaviour.utf8) }
    func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        Data(challenge.reversed()) + (request.keyBinding?.bytes ?? Data())
    }
    func finish(methodResult: Data, for request: ProofRequest) async throws {
        guard methodResult == Data("welcome".utf8) else { throw JoinError.badParameter("unexpected method result") }
    }
}

let plugin = JoinMethodPlugin(
    name: "fixture",
    makeMethod: { context in
        if context.settings["fail_to_start"] == .bool(true) { throw JoinError.badParameter("the fixture was told not to start") }
        return FixtureMethod()
    },
    makeProver: { context in FixtureProver(behaviour: context.joinParams["behaviour"]?.stringValue ?? "ok") })
let environment = try PluginEnvironment(arguments: CommandLine.arguments, environment: ProcessInfo.processInfo.environment)
if let reportPath = environment.settings["report_path"]?.stringValue {
    try IsolationReport.write(to: reportPath)
}
if let garbage = environment.settings["garbage"]?.stringValue {
    let server = GRPCServer(transport: HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: environment.socketPath),
                                                                  transportSecurity: .plaintext),
                            services: [GarbageService(everything: garbage == "all")])
    try await server.serve()
} else {
    try await JoinPluginMain.run(plugin)
}
