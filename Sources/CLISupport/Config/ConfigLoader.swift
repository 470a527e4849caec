import CLIKit
import Foundation
import JoinCore
import Yams

extension FileConfig {
    /// Reads and strictly parses the teleport.yaml at `path`.
    ///
    /// - Parameter pluginAuthServiceKeys: `auth_service` keys declared by the enabled join-method
    ///   plugins (``JoinCore/JoinMethodPlugin/authServiceKeys``); any other unknown key is an error.
    public static func load(path: String, pluginAuthServiceKeys: Set<String>) throws -> FileConfig {
        try parse(yaml: ConfigFileText.read(path), fileName: path, pluginAuthServiceKeys: pluginAuthServiceKeys)
    }

    /// Strictly parses teleport.yaml text; `fileName` prefixes every error message.
    public static func parse(yaml: String, fileName: String = "teleport.yaml",
                             pluginAuthServiceKeys: Set<String> = []) throws -> FileConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw JoinError.badParameter("\(fileName): \(YAMLSyntaxErrorText.describe(error))")
        }
        guard let node else {
            // An empty file: every default applies, as with a file holding only comments.
            return FileConfig(fileName: fileName, version: ConfigVersion.missingVersionDefault)
        }
        guard node.mapping != nil else {
            throw JoinError.badParameter("\(fileName): expected a map of settings at the top level " +
                "(version:, teleport:, auth_service:, …)")
        }
        let context = ConfigDecodingContext(pluginAuthServiceKeys: pluginAuthServiceKeys)
        let document: FileConfigDocument
        do {
            document = try YAMLDecoder().decode(FileConfigDocument.self, from: node,
                                                userInfo: [ConfigDecodingContext.userInfoKey: context])
        } catch {
            throw JoinError.badParameter("\(fileName): \(YAMLDecodingErrorText.describe(error))")
        }
        let config = FileConfig(fileName: fileName, version: document.version, teleport: document.teleport,
                                authService: document.authService, sshService: document.sshService,
                                proxyService: document.proxyService)
        try config.checkConnectionSettings()
        return config
    }

    /// The rules that span fields (spec §10): which server fields a version allows, one
    /// server only, one token field only.
    func checkConnectionSettings() throws {
        func fail(_ message: String) -> JoinError { JoinError.badParameter("\(fileName): \(message)") }
        let t = teleport
        switch version {
        case .v3:
            if !t.authServers.isEmpty {
                throw fail("field \"teleport.auth_servers\" is not supported in version v3: " +
                    "use teleport.auth_server (the Auth service) or teleport.proxy_server (the Proxy service)")
            }
            if t.authServer != nil && t.proxyServer != nil {
                throw fail("teleport.auth_server and teleport.proxy_server are both set: " +
                    "only one of auth or proxy server should be set")
            }
        case .v1, .v2:
            if t.authServer != nil {
                throw fail("field \"teleport.auth_server\" needs version v3; set version: v3 or use auth_servers")
            }
            if t.proxyServer != nil {
                throw fail("field \"teleport.proxy_server\" needs version v3; set version: v3")
            }
        }
        if t.proxyServer != nil && proxyService.isConfigured && proxyService.enabled {
            throw fail("teleport.proxy_server can not be set when proxy_service is enabled on the same process; " +
                "remove proxy_server or set proxy_service.enabled: no")
        }
        if t.joinParams?.tokenName != nil && t.authToken != nil {
            throw fail("teleport.auth_token and teleport.join_params.token_name are both set; " +
                "keep only join_params.token_name")
        }
    }
}
