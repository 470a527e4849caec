import ArgumentParser
import CLISupport
import Foundation
import JoinCore
import JoineryProto

/// A `kind/name` reference as tctl takes it (`token/abc`, `tokens`).
struct ResourceReference {
    let kind: String
    let name: String?

    init(parsing text: String) throws {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        let kind = parts.first?.lowercased() ?? ""
        switch kind {
        case "token", "tokens": self.kind = "token"
        default:
            throw JoinError.badParameter("unsupported resource \"\(text)\"; supported: token/NAME, tokens")
        }
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
            let tokens = try ResourceDocuments.tokens(fromFile: file)
            // Check locally first so mistakes name the file; the Auth server checks again.
            let localMethods = try BuiltInJoinMethods.registry.makeMethods(context: PluginContext())
            for token in tokens {
                do {
                    _ = try localMethods.validate(token)
                } catch let error as JoinError where error.kind == .badParameter {
                    throw JoinError.badParameter("\(file): \(error.message)")
                }
            }
            let connection = try global.connection()
            for token in tokens {
                let json = try JSONEncoder().encode(token)
                let upsert = force
                _ = try await connection.withAdmin { admin in
                    try await admin.createResource(.with {
                        $0.resourceJson = json
                        $0.upsert = upsert
                    })
                }
                print("provision_token \"\(token.metadata.name)\" has been \(force ? "created or updated" : "created")")
            }
        }
    }
}

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Print resources.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "yaml (default) or json.")
    var format: String = "yaml"
    @Flag(name: .customLong("with-secrets"), help: "Accepted for compatibility; tctl get prints token names in full.")
    var withSecrets = false
    @Argument(help: "token/NAME or tokens.")
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
            let tokens = try responses.map { try JSONDecoder().decode(ProvisionToken.self, from: $0.resourceJson) }
            switch format.lowercased() {
            case "json": print(try ResourceDocuments.json(tokens), terminator: "")
            case "yaml", "": print(try ResourceDocuments.yaml(tokens), terminator: "")
            default: throw JoinError.badParameter("--format \(format): use yaml or json")
            }
        }
    }
}

struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a resource.", aliases: ["del"])

    @OptionGroup var global: GlobalOptions
    @Argument(help: "token/NAME.")
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
