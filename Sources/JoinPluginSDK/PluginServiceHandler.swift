import Foundation
import GRPCCore
import JoinCore
import JoineryProto
import PluginProtocol
import Synchronization

/// Serves `joinery.v1.JoinPlugin` for one ``JoinMethodPlugin``: the server half is made once,
/// on first use, with the settings Joinery passed; the client half is made once per program
/// (Joinery starts a fresh program for each join on the joining side).
final class PluginServiceHandler: Joinery_V1_JoinPlugin.SimpleServiceProtocol {
    private let plugin: JoinMethodPlugin
    private let environment: PluginEnvironment
    private let method = Mutex<(any JoinMethod)?>(nil)
    private let prover = Mutex<(any JoinProver)?>(nil)

    init(plugin: JoinMethodPlugin, environment: PluginEnvironment) {
        self.plugin = plugin
        self.environment = environment
    }

    private func serverHalf() throws -> any JoinMethod {
        if let made = method.withLock({ $0 }) { return made }
        let made = try plugin.makeMethod(PluginContext(dataDirectory: environment.dataDirectory, settings: environment.settings))
        method.withLock { $0 = made }
        return made
    }

    private func clientHalf() throws -> any JoinProver {
        if let made = prover.withLock({ $0 }) { return made }
        let made = try plugin.makeProver(ProverContext(joinParams: environment.joinParams, dataDirectory: environment.dataDirectory,
                                                       settings: environment.settings))
        prover.withLock { $0 = made }
        return made
    }

    func describe(request: Joinery_V1_DescribeRequest, context: ServerContext) async throws -> Joinery_V1_DescribeResponse {
        // Joinery asks only when it loads the server half: a method that cannot be made (a missing
        // setting, an unreadable file) stops the Auth server's start-up with the reason.
        var sections: Set<String> = []
        if request.serverHalf {
            do {
                sections = try serverHalf().tokenSpecSections
            } catch {
                throw RPCError(code: .failedPrecondition, message: (error as? JoinError)?.message ?? "\(error)")
            }
        }
        return .with {
            $0.name = plugin.name
            $0.tokenSpecSections = sections.sorted()
            $0.protocolVersion = PluginProtocolVersion.current
        }
    }

    func validateToken(request: Joinery_V1_ValidateTokenRequest, context: ServerContext) async throws -> Joinery_V1_ValidateTokenResponse {
        do {
            let token = try JSONDecoder().decode(ProvisionToken.self, from: request.tokenJson)
            let validated = try await serverHalf().validate(token)
            let encoded = try JSONEncoder().encode(validated)
            return .with { $0.tokenJson = encoded }
        } catch {
            return .with { $0.error = PluginErrorCoding.wire(error) }
        }
    }

    func attest(request: RPCAsyncSequence<Joinery_V1_AttestRequest, any Error>,
                response: RPCWriter<Joinery_V1_AttestResponse>, context: ServerContext) async throws {
        var iterator = request.makeAsyncIterator()
        guard case .start(let start)? = try await iterator.next()?.payload else {
            try await response.write(.with { $0.error = PluginErrorCoding.wire(JoinError.badParameter("an attestation must begin with AttestStart")) })
            return
        }
        let exchange = PluginChallengeExchange(writer: response, solutions: SolutionInbox(iterator))
        let facts = AttemptFacts()
        do {
            let token = try JSONDecoder().decode(ProvisionToken.self, from: start.tokenJson)
            let attempt = JoinAttempt(
                token: token, tokenRevision: nil, requestedRole: try SystemRole(parsing: start.requestedRole),
                nodeName: start.nodeName, remoteAddress: start.remoteAddress, initialPayload: start.initialPayload,
                startedAt: Date(timeIntervalSince1970: Double(start.startedAtUnixMs) / 1000), facts: facts,
                cluster: ClusterServices(clusterName: start.clusterName, jwt: UnavailableJWTAuthority(), signatureSuite: "balanced-v1"),
                keyBinding: KeyBinding(bytes: start.keyBinding))
            let attestation = try await serverHalf().attest(attempt, over: exchange)
            guard case .none = attestation.tokenChange, attestation.bot == nil else {
                throw JoinError.notImplemented("external join methods cannot change tokens or choose bot instances (yet)")
            }
            // With no token change the committed token is the attempt's; the bot instance is
            // chosen by the core later, so the method is told none.
            let methodResult = try attestation.methodResult?(token, CommitContext(botInstanceID: nil, now: Date())) ?? Data()
            try await response.write(.with {
                $0.result = .with {
                    $0.hostID = attestation.hostID ?? ""
                    // The facts the method recorded travel in AttestResult.attributes.
                    $0.attributes = facts.all
                    $0.methodResult = methodResult
                }
            })
        } catch {
            // What the method verified before refusing still belongs in the audit event.
            var refusal = PluginErrorCoding.wire(error)
            refusal.facts = facts.all
            try await response.write(.with { $0.error = refusal })
        }
    }

    func initialPayload(request: Joinery_V1_ProverRequest, context: ServerContext) async throws -> Joinery_V1_ProverResponse {
        await proving { try await $0.initialPayload(for: $1) }(request)
    }

    func answer(request: Joinery_V1_ProverRequest, context: ServerContext) async throws -> Joinery_V1_ProverResponse {
        await proving { try await $0.answer(request.data, for: $1) }(request)
    }

    func finish(request: Joinery_V1_ProverRequest, context: ServerContext) async throws -> Joinery_V1_ProverResponse {
        await proving { prover, proof in
            try await prover.finish(methodResult: request.data, for: proof)
            return Data()
        }(request)
    }

    /// Runs one client-half call, turning a thrown error into an in-band PluginError.
    private func proving(_ call: @escaping @Sendable (any JoinProver, ProofRequest) async throws -> Data)
        -> @Sendable (Joinery_V1_ProverRequest) async -> Joinery_V1_ProverResponse {
        { request in
            do {
                let proof = ProofRequest(tokenName: request.tokenName, role: try SystemRole(parsing: request.role), nodeName: request.nodeName,
                                         keyBinding: KeyBinding(bytes: request.keyBinding))
                let data = try await call(try self.clientHalf(), proof)
                return .with { $0.data = data }
            } catch {
                return .with { $0.error = PluginErrorCoding.wire(error) }
            }
        }
    }
}
