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

    /// The joining side's entry: each join starts its own program with its own section of the
    /// join parameters (`teleport.join_params.<name>`, tbot's `onboarding.<name>`; any shape the
    /// program accepts), and stops it when the join has finished. The program never sees
    /// another method's section (a registration secret, say) nor the token.
    public static func clientPlugin(_ spec: ExternalPluginSpec, logger: Logger) -> JoinMethodPlugin {
        JoinMethodPlugin(
            name: spec.name, joinParamsSections: [JoinParamsSection(key: spec.name) { _, _ in }],
            origin: .external(command: spec.command, sha256: spec.sha256),
            makeMethod: { _ in
                throw JoinError.badParameter(
                    "join method \(spec.name) is loaded for joining; the Auth server loads it from auth_service.join_plugins")
            },
            makeProver: { context in
                let supervisor = try PluginSupervisor(spec: spec, serverHalf: false,
                                                      joinParams: joinParams(of: spec.name, in: context),
                                                      dataDirectory: context.dataDirectory, logger: logger)
                return ExternalJoinProver(name: spec.name, call: PluginCall(supervisor: supervisor, name: spec.name, timeout: spec.callTimeout))
            })
    }

    /// What the program `name` receives as its join parameters: its own section only.
    package static func joinParams(of name: String, in context: ProverContext) -> JSONValue {
        context.joinParams[name] ?? .object([:])
    }
}
