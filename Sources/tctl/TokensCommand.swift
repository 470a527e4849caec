import ArgumentParser
import CLIKit
import CLISupport
import Crypto
import Foundation
import JoinCore
import JoineryProto

/// `tctl tokens add|ls|rm`.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Manage join tokens.",
        subcommands: [TokensAddCommand.self, TokensListCommand.self, TokensRemoveCommand.self])
}

struct TokensAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Create a join token.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("type"), help: "Roles the token allows: node,proxy,app,db,kube,...")
    var type: String
    @Option(help: "The token value (default: 32 random hex characters).")
    var value: String?
    @Option(help: "How long the token is valid.")
    var ttl: String = "30m"
    @Option(help: "Labels: k=v,k2=v2.")
    var labels: String?
    @Option(help: "Output: text (token only), json or yaml.")
    var format: String?

    func run() async throws {
        try await CommandErrors.reporting {
            try await TokenCreation(global: global, rolesText: type, value: value, ttl: ttl, labels: labels, format: format).run()
        }
    }
}

/// Shared by `tctl tokens add` and `tctl nodes add`.
struct TokenCreation {
    let global: GlobalOptions
    let rolesText: String
    let value: String?
    let ttl: String
    let labels: String?
    let format: String?

    func run() async throws {
        var roles = try SystemRole.parseList(rolesText)
        if roles == [.kube] { roles += [.app, .discovery] }
        // The Auth server refuses these too; saying so here needs no connection.
        try SystemRole.checkGrantableByToken(roles)
        let outputFormat = try OutputFormat(parsing: format)
        let lifetime = try GoDuration(parsing: ttl)
        guard lifetime.seconds > 0 else { throw JoinError.badParameter("--ttl must be positive") }
        let name = value ?? TokenCreation.randomValue()
        let expires = Date().addingTimeInterval(lifetime.seconds)
        var token = ProvisionToken(name: name, roles: roles, expires: expires)
        token.metadata.labels = try labels.map { try LabelsText.parse($0) }
        let json = try JSONEncoder().encode(token)
        let connection = try global.connection()
        let status = try await connection.withAdmin { admin in
            _ = try await admin.createResource(.with { $0.resourceJson = json })
            return try await admin.getStatus(Joinery_V1_StatusRequest())
        }
        let pins = status.authorities.flatMap(\.pins)
        let result = TokenAddResult(token: name, roles: roles, expires: expires, ttl: lifetime.seconds, caPins: pins,
                                    authServer: status.advertiseAddr)
        print(try TokenAddOutput.render(result, format: outputFormat), terminator: "")
    }

    /// 16 random bytes as 32 lowercase hex characters (spec §2.1).
    static func randomValue() -> String {
        SymmetricKey(size: .bits128).withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
    }
}

struct TokensListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List join tokens.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: .customLong("with-secrets"), help: "Show token values in full.")
    var withSecrets = false
    @Option(help: "Output: text, json or yaml.")
    var format: String?
    @Option(help: "Only tokens with all these labels: k=v,k2=v2.")
    var labels: String?

    func run() async throws {
        try await CommandErrors.reporting {
            let outputFormat = try OutputFormat(parsing: format)
            let filter = try labels.map { try LabelsText.parse($0) } ?? [:]
            let resources = try await global.connection().withAdmin { admin in
                try await admin.listResources(.with { $0.kind = "token" }).resources
            }
            var secretNames = Set<String>()
            var tokens: [ProvisionToken] = []
            for resource in resources {
                let token = try JSONDecoder().decode(ProvisionToken.self, from: resource.resourceJson)
                guard filter.allSatisfy({ token.metadata.labels?[$0.key] == $0.value }) else { continue }
                if resource.nameIsSecret { secretNames.insert(token.metadata.name) }
                tokens.append(token)
            }
            let listing = TokenListing(tokens: tokens, withSecrets: withSecrets) { [secretNames] in
                secretNames.contains($0.metadata.name)
            }
            print(try listing.render(format: outputFormat, now: Date()), terminator: "")
        }
    }
}

struct TokensRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a join token.", aliases: ["del"])

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The token to delete.")
    var token: String?

    func run() async throws {
        try await CommandErrors.reporting {
            guard let token, !token.isEmpty else { throw JoinError.badParameter("Need an argument: token") }
            try await global.connection().withAdmin { admin in
                _ = try await admin.deleteResource(.with {
                    $0.kind = "token"
                    $0.name = token
                })
            }
            print("Token \(token) has been deleted")
        }
    }
}
