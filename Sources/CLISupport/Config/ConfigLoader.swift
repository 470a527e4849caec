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

/// The text of a config file named with `-c/--config` (teleport.yaml, tbot.yaml), with errors
/// that name the file and say why it could not be read.
enum ConfigFileText {
    static func read(_ path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw JoinError.badParameter("\(path): cannot read the config file: \(FileErrorText.reason(error)); " +
                "check the path given with -c/--config")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw JoinError.badParameter("\(path): the config file is not UTF-8 text")
        }
        return text
    }
}

/// One line for a YAML syntax error: where it is and what the parser expected.
enum YAMLSyntaxErrorText {
    static func describe(_ error: any Error) -> String {
        guard let yamlError = error as? YamlError else { return "invalid YAML: \(error)" }
        switch yamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return "invalid YAML at line \(mark.line), column \(mark.column): \(problem)\(while_)"
        case let .reader(problem, _, _, _):
            return "invalid YAML: \(problem)"
        case let .duplicatedKeysInMapping(duplicates, context):
            return "invalid YAML at line \(context.mark.line): duplicate key(s) " +
                duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
        default:
            return "invalid YAML: \(yamlError)"
        }
    }
}

/// Why a file could not be read, without Foundation's long `NSError` text.
enum FileErrorText {
    static func reason(_ error: any Error) -> String {
        if let posix = error as? POSIXError {
            return String(cString: strerror(posix.code.rawValue)).lowercased()
        }
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue)).lowercased()
        }
        switch nsError.code {
        case NSFileReadNoSuchFileError: return "no such file"
        case NSFileReadNoPermissionError: return "permission denied"
        default: return nsError.localizedDescription
        }
    }
}
