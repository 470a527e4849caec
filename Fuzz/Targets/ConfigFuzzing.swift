import AWSKit
import CLIKit
import CLISupport
import Foundation
import JoinCore
import Server
import StaticJoin
import Transport

/// The YAML files operators write: teleport.yaml, tbot.yaml and the resource files of
/// `tctl create` (tokens above all). They are not sent over the network, but they are often
/// generated or copied from elsewhere, and a parser that traps on a bad file takes the process
/// down with no message.
enum ConfigFuzzing {
    static let authServiceKeys = BuiltInJoinMethods.registry.authServiceKeys

    /// The server halves of every built-in method, to validate tokens as `tctl create` does.
    static let methods: JoinMethodSet? = try? BuiltInJoinMethods.registry.makeMethods(context: PluginContext())

    /// teleport.yaml, then what the Auth server and agents read out of it.
    static let teleport = FuzzTarget("teleport-yaml", maximumLength: 16 * 1024) { bytes in
        guard let config = try? FileConfig.parse(
            yaml: String(decoding: bytes, as: UTF8.self), pluginAuthServiceKeys: authServiceKeys) else { return }
        let raw = config.authServiceRaw
        _ = try? AWSJoinSettings(authService: raw)
        if case .array(let entries)? = raw["tokens"] {
            for (index, entry) in entries.enumerated() {
                guard case .string(let text) = entry else { continue }
                // Token files are never read: a fuzzed path could name a device or a pipe.
                _ = try? StaticTokenSpec(parsing: text, index: index) { _ in throw JoinError.badParameter("no files") }
            }
        }
        _ = try? AuthAddress(parsing: config.authService.listenAddr)
        for server in [config.teleport.authServer, config.teleport.proxyServer].compactMap({ $0 }) + config.teleport.authServers {
            _ = try? AuthAddress(parsing: server)
        }
    }

    /// tbot.yaml.
    static let tbot = FuzzTarget("tbot-yaml", maximumLength: 16 * 1024) { bytes in
        guard let config = try? TbotConfig.parse(yaml: String(decoding: bytes, as: UTF8.self)) else { return }
        _ = try? config.serverAddress()
    }

    /// A `tctl create` file: documents split and decoded, tokens checked by every method's rules
    /// and prepared for storage, bots and locks decoded as the Auth server decodes them.
    static let resources = FuzzTarget("resource-yaml", maximumLength: 16 * 1024, setUp: { _ = methods }) { bytes in
        guard let methods else { preconditionFailure("the built-in join methods could not be made") }
        guard let documents = try? ResourceDocuments.documents(
            fromText: String(decoding: bytes, as: UTF8.self), path: "fuzz.yaml") else { return }
        for document in documents {
            switch document.kind {
            case "bot": _ = try? JSONDecoder().decode(BotResource.self, from: document.json)
            case "lock": _ = try? JSONDecoder().decode(LockResource.self, from: document.json)
            default: _ = try? JSONDecoder().decode(ProvisionToken.self, from: document.json)
            }
            guard let token = document.token, let validated = AsyncBridge.value({ try? await methods.validate(token) }),
                  let method = methods.method(named: validated.spec.joinMethod) else { continue }
            _ = try? method.prepareForStorage(validated, replacing: nil)
        }
    }
}
