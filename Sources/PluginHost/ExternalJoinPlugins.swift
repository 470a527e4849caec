import Foundation
import JoinCore
import Logging

/// Makes registry entries (``JoinMethodPlugin``) for external join methods, so the registry —
/// and everything that dispatches through it — treats them like built-in ones.
public enum ExternalJoinPlugins {
    /// The Auth server's entry: the program is started now (checksum, `Describe`), so a missing,
    /// altered or misnamed plugin fails start-up with a clear error; it is restarted on demand
    /// after any failure.
    public static func serverPlugin(_ spec: ExternalPluginSpec, dataDirectory: URL?, logger: Logger) async throws -> JoinMethodPlugin {
        let supervisor = try PluginSupervisor(spec: spec, serverHalf: true, dataDirectory: dataDirectory, logger: logger)
        let sections = try await supervisor.describe()
        let call = PluginCall(supervisor: supervisor, name: spec.name, timeout: spec.callTimeout)
        let method = ExternalJoinMethod(name: spec.name, tokenSpecSections: sections, call: call,
                                        attestationTimeout: spec.callTimeout * 3)
        return JoinMethodPlugin(
            name: spec.name, origin: .external(command: spec.command, sha256: spec.sha256),
            makeMethod: { _ in method },
            makeProver: { _ in
                throw JoinError.badParameter(
                    "join method \(spec.name) is loaded for the Auth server; a joining process loads it from teleport.join_plugins")
            })
    }

    /// The joining side's entry: each join starts its own program with that join's
    /// `join_params`, and stops it when the join has finished.
    public static func clientPlugin(_ spec: ExternalPluginSpec, logger: Logger) -> JoinMethodPlugin {
        JoinMethodPlugin(
            name: spec.name, origin: .external(command: spec.command, sha256: spec.sha256),
            makeMethod: { _ in
                throw JoinError.badParameter(
                    "join method \(spec.name) is loaded for joining; the Auth server loads it from auth_service.join_plugins")
            },
            makeProver: { context in
                let supervisor = try PluginSupervisor(spec: spec, serverHalf: false, joinParams: context.joinParams,
                                                      dataDirectory: context.dataDirectory, logger: logger)
                return ExternalJoinProver(name: spec.name, call: PluginCall(supervisor: supervisor, name: spec.name, timeout: spec.callTimeout))
            })
    }
}
