import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore
import JoineryProto

/// A `kind/name` reference as tctl takes it (`token/abc`, `tokens`, `bot/example`, `locks`).
struct ResourceReference {
    /// Singular and plural spellings of each kind.
    static let kinds: [String: String] = [
        "token": "token", "tokens": "token", "bot": "bot", "bots": "bot", "lock": "lock", "locks": "lock",
        "bot_instance": "bot_instance", "bot_instances": "bot_instance",
        "role": "role", "roles": "role", "user": "user", "users": "user",
    ]

    let kind: String
    let name: String?

    init(parsing text: String) throws {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let kind = ResourceReference.kinds[parts.first?.lowercased() ?? ""] else {
            throw JoinError.badParameter(
                "unsupported resource \"\(text)\"; supported: token/NAME, tokens, bot/NAME, bots, lock/NAME, locks, bot_instance/BOT/ID, bot_instances, role/NAME, roles, user/NAME, users")
        }
        self.kind = kind
        name = parts.count > 1 ? parts[1] : nil
    }
}

struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create resources from a YAML file.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.short, .customLong("force")], help: "Overwrite existing resources.")
    var force = false
    @Argument(help: "The resource file (YAML or JSON).")
    var file: String

    func run() async throws {
        try await CommandErrors.reporting {
            let documents = try ResourceDocuments.documents(fromFile: file)
            // Check tokens of built-in methods locally first so mistakes name the file; the Auth
            // server checks every token again, including those of external methods (join_plugins),
            // which only it can run.
            for document in documents {
                guard let token = document.token else { continue }
                do {
                    try await LocalTokenCheck.validate(token)
                } catch let error as JoinError where error.kind == .badParameter {
                    throw JoinError.badParameter("\(document.place): \(error.message)")
                }
            }
            let connection = try global.connection()
            for document in documents {
                let upsert = force
                do {
                    _ = try await connection.withAdmin { admin in
                        try await admin.createResource(.with {
                            $0.resourceJson = document.json
                            $0.upsert = upsert
                        })
                    }
                } catch let error as JoinError where error.kind == .badParameter {
                    throw JoinError.badParameter("\(document.place): \(error.message)")
                }
                let label = document.kind == "token" ? "provision_token" : document.kind
                print("\(label) \"\(document.name)\" has been \(force ? "created or updated" : "created")")
            }
        }
    }
}

/// Checks a token of a built-in join method here, before it is sent, so that a mistake is
/// reported against the file; the Auth server checks every token again, including those of
/// external methods (join_plugins), which only it can run.
enum LocalTokenCheck {
    static func validate(_ token: ProvisionToken) async throws {
        let methods = try BuiltInJoinMethods.registry.makeMethods(context: PluginContext())
        guard methods.method(named: token.spec.joinMethod) != nil else { return }
        _ = try await methods.validate(token)
    }
}

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Print resources.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Output: yaml or json.")
    var format: String = "yaml"
    @Flag(name: .customLong("with-secrets"), help: "Accepted for compatibility; tctl get prints token names in full.")
    var withSecrets = false
    @Argument(help: "token/NAME, tokens, bot/NAME, bots, lock/NAME, locks, bot_instances, role/NAME, roles, user/NAME, users.")
    var resource: String

    func run() async throws {
        try await CommandErrors.reporting {
            let reference = try ResourceReference(parsing: resource)
            let responses = try await global.connection().withAdmin { admin in
                if let name = reference.name {
                    return [try await admin.getResource(.with {
                        $0.kind = reference.kind
                        $0.name = name
                    })]
                }
                return try await admin.listResources(.with { $0.kind = reference.kind }).resources
            }
            guard ["json", "yaml", ""].contains(format.lowercased()) else {
                throw JoinError.badParameter("--format \(format): use yaml or json")
            }
            let asJSON = format.lowercased() == "json"
            if reference.kind == "token" {
                // Tokens print in Teleport's field order.
                let tokens = try responses.map { try JSONDecoder().decode(ProvisionToken.self, from: $0.resourceJson) }
                print(try asJSON ? ResourceDocuments.json(tokens) : ResourceDocuments.yaml(tokens), terminator: "")
            } else {
                let values = try responses.map { try JSONDecoder().decode(JSONValue.self, from: $0.resourceJson) }
                print(try asJSON ? ResourceDocuments.json(values) : ResourceDocuments.yaml(values), terminator: "")
            }
        }
    }
}

struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a resource.", aliases: ["del"])

    @OptionGroup var global: GlobalOptions
    @Argument(help: "token/NAME, bot/NAME, lock/NAME, role/NAME or user/NAME.")
    var resource: String

    func run() async throws {
        try await CommandErrors.reporting {
            let reference = try ResourceReference(parsing: resource)
            guard let name = reference.name, !name.isEmpty else {
                throw JoinError.badParameter("name the resource to delete, e.g. token/NAME")
            }
            try await global.connection().withAdmin { admin in
                _ = try await admin.deleteResource(.with {
                    $0.kind = reference.kind
                    $0.name = name
                })
            }
            print("\(reference.kind) \"\(name)\" has been deleted")
        }
    }
}
