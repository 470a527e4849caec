import Foundation
import GRPCCore
import JoinCore
import PluginProtocol
import JoineryProto

/// Something a plugin sent that the protocol does not allow (an empty message, a stream that
/// ends without a result): treated like a crash.
struct PluginGarbage: Error, CustomStringConvertible {
    let description: String
}

/// One call to a plugin program with the failure rules of ``PluginSupervisor``: an in-band
/// `PluginError` is the method's answer (a refusal) and leaves the program running; anything
/// else — the program died, hung past the deadline, or sent garbage — fails this join with a
/// clear error and has the program restarted for the next one.
struct PluginCall: Sendable {
    let supervisor: PluginSupervisor
    let name: String
    let timeout: Duration

    func run<T: Sendable>(_ what: String, timeout: Duration? = nil,
                          _ body: @Sendable (PluginSupervisor.Client, CallOptions) async throws -> T) async throws -> T {
        let client = try await supervisor.client()
        var options = CallOptions.defaults
        options.timeout = timeout ?? self.timeout
        do {
            return try await body(client, options)
        } catch let error as JoinError {
            throw error
        } catch {
            let reason = Self.describe(error)
            await supervisor.failed("\(what): \(reason)")
            throw JoinError.unavailable(
                "the join plugin \(name) failed during \(what) (\(reason)); this join was refused and the plugin will be restarted")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let rpc = error as? RPCError {
            return rpc.code == .deadlineExceeded ? "it did not answer in time" : "\(rpc.code): \(rpc.message)"
        }
        if error is CancellationError { return "the call was cancelled" }
        return String(describing: error)
    }

    /// The method's refusal as the plugin sent it; a malformed one (unknown kind, no or an
    /// over-long message) is garbage.
    static func refusal(_ wire: Joinery_V1_PluginError) -> any Error {
        guard JoinError.Kind(rawValue: wire.kind) != nil, !wire.message.isEmpty, wire.message.count <= 2048 else {
            return PluginGarbage(description: "a malformed error")
        }
        return PluginErrorCoding.error(wire, plugin: "")
    }

    /// The payload of a client-half answer, or the method's error.
    static func data(_ response: Joinery_V1_ProverResponse, plugin: String) throws -> Data {
        switch response.outcome {
        case .data(let data)?: return data
        case .error(let error)?: throw refusal(error)
        case nil: throw PluginGarbage(description: "an empty answer")
        }
    }
}
