import Foundation
import GRPCCore
import JoinCore
import PluginProtocol
import JoineryProto

/// The server half of an external join method: every call the core makes is carried to the
/// plugin program (Proto/joinery/v1/plugin.proto), so the pipeline treats it exactly like a
/// built-in method — same registry, same checks, same audit.
///
/// External methods get the token, role, node name, client address, payload, time and the
/// ``KeyBinding`` of the keys being certified (to bind a live proof to, if they choose); they
/// return the facts they recorded, an optional host ID and a method result. They cannot (yet)
/// change tokens, choose bot instances, sign with the cluster's JWT authority, or see host presence.
struct ExternalJoinMethod: JoinMethod {
    let name: String
    let tokenSpecSections: Set<String>
    let call: PluginCall
    /// How long a whole attestation may take, challenge rounds included.
    let attestationTimeout: Duration

    func validate(_ token: ProvisionToken) async throws -> ProvisionToken {
        let encoded = try JSONEncoder().encode(token)
        return try await call.run("token validation") { client, options in
            let response = try await client.validateToken(.with { $0.tokenJson = encoded }, options: options)
            switch response.outcome {
            case .tokenJson(let json)?:
                guard let token = try? JSONDecoder().decode(ProvisionToken.self, from: json) else {
                    throw PluginGarbage(description: "a token that cannot be read")
                }
                return token
            case .error(let error)?:
                throw PluginCall.refusal(error)
            case nil:
                throw PluginGarbage(description: "an empty token validation answer")
            }
        }
    }

    func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        let start = Joinery_V1_AttestStart.with {
            $0.tokenJson = (try? JSONEncoder().encode(attempt.token)) ?? Data()
            $0.requestedRole = attempt.requestedRole.rawValue
            $0.nodeName = attempt.nodeName
            $0.remoteAddress = attempt.remoteAddress
            $0.initialPayload = attempt.initialPayload
            $0.startedAtUnixMs = Int64(attempt.startedAt.timeIntervalSince1970 * 1000)
            $0.clusterName = attempt.cluster.clusterName
            $0.keyBinding = attempt.keyBinding?.bytes ?? Data()
        }
        let facts = attempt.facts
        return try await call.run("attestation", timeout: attestationTimeout) { client, options in
            let (outbound, continuation) = AsyncStream<Joinery_V1_AttestRequest>.makeStream()
            continuation.yield(.with { $0.start = start })
            defer { continuation.finish() }
            let request = StreamingClientRequest<Joinery_V1_AttestRequest> { writer in
                for await message in outbound { try await writer.write(message) }
            }
            return try await client.attest(request: request, options: options) { response in
                for try await message in response.messages {
                    switch message.payload {
                    case .challenge(let challenge)?:
                        let solution = try await exchange.challenge(challenge)
                        continuation.yield(.with { $0.solution = solution })
                    case .result(let result)?:
                        // The facts the plugin recorded travel in AttestResult.attributes.
                        facts.record(result.attributes)
                        var attestation = Attestation(hostID: result.hostID.isEmpty ? nil : result.hostID)
                        let bytes = result.methodResult
                        if !bytes.isEmpty { attestation.methodResult = { @Sendable _, _ in bytes } }
                        return attestation
                    case .error(let error)?:
                        for (key, value) in error.facts.prefix(32) { facts.record(key, value) }
                        throw PluginCall.refusal(error)
                    case nil:
                        throw PluginGarbage(description: "an empty attestation message")
                    }
                }
                throw PluginGarbage(description: "the attestation ended without a result")
            }
        }
    }
}
