import Foundation
import JoinCore
import JoineryProto

/// The client half of an external join method: a fresh plugin program for each join (made with
/// that join's `join_params`), asked for the initial payload, each challenge's answer, and
/// told the method result.
struct ExternalJoinProver: JoinProver {
    let name: String
    let call: PluginCall

    func initialPayload(for request: ProofRequest) async throws -> Data {
        let name = self.name
        let message = Self.message(request, data: Data())
        return try await call.run("the initial payload") { client, options in
            try PluginCall.data(try await client.initialPayload(message, options: options), plugin: name)
        }
    }

    func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        let name = self.name
        let message = Self.message(request, data: challenge)
        return try await call.run("a challenge") { client, options in
            try PluginCall.data(try await client.answer(message, options: options), plugin: name)
        }
    }

    func finish(methodResult: Data, for request: ProofRequest) async throws {
        let name = self.name
        let message = Self.message(request, data: methodResult)
        _ = try await call.run("finishing the join") { client, options in
            try PluginCall.data(try await client.finish(message, options: options), plugin: name)
        }
        await call.supervisor.stop()
    }

    private static func message(_ request: ProofRequest, data: Data) -> Joinery_V1_ProverRequest {
        .with {
            $0.tokenName = request.tokenName
            $0.role = request.role.rawValue
            $0.nodeName = request.nodeName
            $0.keyBinding = request.keyBinding?.bytes ?? Data()
            $0.data = data
        }
    }
}
