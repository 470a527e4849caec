import Agent
import ArgumentParser
import BoundKeypairJoin
import CLIKit
import Foundation
import Logging

/// `tbot keypair`: manages the bound keypair in a bot's storage.
struct KeypairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keypair",
        abstract: "Manage the keypair a bot joins with by bound_keypair.",
        subcommands: [KeypairCreateCommand.self])
}

/// `tbot keypair create --storage DIR --proxy-server ADDR`: generates the bot's keypair before
/// its first join and prints the public key to pre-register (spec §8.10). Logs go to stderr,
/// the key (text instructions or one JSON line) to stdout.
struct KeypairCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Generate a bound keypair in the bot's storage and print its public key.")

    @Option(help: "The bot's storage: a directory path or file:///path.")
    var storage: String
    @Option(name: .customLong("proxy-server"), help: "Cluster address, pinged for its signature algorithm suite.")
    var proxyServer: String
    @Flag(help: "Replace an existing keypair.")
    var overwrite = false
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
            let creation = KeypairCreation(
                directory: try DirectoryDestination(uri: storage).url, overwrite: overwrite, logger: logger)
            // Only the signature suite is read and nothing secret is sent, so the Proxy
            // Service's certificate is not verified here (as for a Ping to an Auth server).
            let proxyServer = self.proxyServer
            let publicKey = try await creation.run {
                try await ClusterRoute.signatureSuite(of: proxyServer, field: "--proxy-server", logger: logger)
            }
            FileHandle.standardOutput.write(Data(try output.render(publicKey: publicKey).utf8))
        }
    }
}
