import Foundation
import JoinCore
import Logging
import PluginHost

/// The registry a process uses: the built-in methods plus the external ones its configuration
/// names (`auth_service.join_plugins` on the Auth server, `teleport.join_plugins` when joining).
/// Both kinds then go through the same registry and the same dispatch.
public enum JoinMethodCatalog {
    /// The Auth server's registry. External plugins are started here, so one that is missing,
    /// altered (checksum) or misnamed stops start-up with its reason.
    public static func serverRegistry(_ plugins: [JoinPluginConfig], dataDirectory: URL?, logger: Logger) async throws -> JoinMethodRegistry {
        var external: [JoinMethodPlugin] = []
        for plugin in plugins {
            external.append(try await ExternalJoinPlugins.serverPlugin(plugin.spec, dataDirectory: dataDirectory, logger: logger))
        }
        return try BuiltInJoinMethods.registry.adding(external)
    }

    /// A joining process's registry; each join starts its plugin program.
    public static func clientRegistry(_ plugins: [JoinPluginConfig], logger: Logger) throws -> JoinMethodRegistry {
        try BuiltInJoinMethods.registry.adding(plugins.map { ExternalJoinPlugins.clientPlugin($0.spec, logger: logger) })
    }
}
