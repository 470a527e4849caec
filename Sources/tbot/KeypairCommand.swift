import Agent
import ArgumentParser
import BoundKeypairJoin
import CLIKit
import Foundation
import JoinCore
import Logging

/// `tbot keypair`: manages the bound keypair in a bot's storage.
struct KeypairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keypair",
        abstract: "Manage the keypair a bot joins with by bound_keypair.",
        subcommands: [KeypairCreateCommand.self])
}

/// `tbot keypair create --storage DIR --proxy-server ADDR`: generates the bot's keypair before
/// its first join and prints the public key to pre-register (spec §8.10). With `--static`, a
/// static key instead, written to `--static-key-path` or printed. Logs go to stderr, the key
/// (text instructions or one JSON line) to stdout.
struct KeypairCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Generate a bound keypair in the bot's storage and print its public key.")

    @Option(help: "The bot's storage: a directory path or file:///path (not with --static).")
    var storage: String?
    @Option(name: .customLong("proxy-server"), help: "Cluster address, pinged for its signature algorithm suite.")
    var proxyServer: String
    @Flag(help: "Replace an existing keypair.")
    var overwrite = false
    @Flag(help: "Create a static private key instead of a key in the bot's storage; printed unless --static-key-path is set.")
    var `static` = false
    @Option(name: .customLong("static-key-path"), help: "With --static: write the static private key to this file (mode 0600).")
    var staticKeyPath: String?
    @Option(help: "Output format: text or json.")
    var format: String?
    @Flag(help: "Accepted for compatibility: the ping that reads the signature suite is never verified.")
    var insecure = false
    @Flag(name: [.short, .long], help: "Debug logging.")
    var debug = false

    func run() async throws {
        try await CommandErrors.reporting {
            let output = try KeypairOutput(parsing: format)
            try LoggingSetup.bootstrap(debug: debug)
            let logger = Logger(label: "tbot")
            // Only the signature suite is read and nothing secret is sent, so the Proxy
            // Service's certificate is not verified here (as for a Ping to an Auth server).
            let proxyServer = self.proxyServer
            let suite: @Sendable () async throws -> String = {
                try await ClusterRoute.signatureSuite(of: proxyServer, field: "--proxy-server", logger: logger)
            }
            if `static` {
                guard storage == nil else {
                    throw JoinError.badParameter("--storage cannot be used with --static: a static key is kept outside the bot's storage")
                }
                let creation = StaticKeypairCreation(
                    path: staticKeyPath.map { URL(fileURLWithPath: $0) }, overwrite: overwrite, logger: logger)
                FileHandle.standardOutput.write(Data(try output.render(static: try await creation.run(signatureSuite: suite)).utf8))
                return
            }
            guard staticKeyPath == nil else { throw JoinError.badParameter("--static-key-path needs --static") }
            guard let storage else { throw JoinError.badParameter("--storage is required (or --static for a static key)") }
            let creation = KeypairCreation(
                directory: try DirectoryDestination(uri: storage).url, overwrite: overwrite, logger: logger)
            FileHandle.standardOutput.write(Data(try output.render(publicKey: try await creation.run(signatureSuite: suite)).utf8))
        }
    }
}
