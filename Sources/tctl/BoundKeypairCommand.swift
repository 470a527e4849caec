import ArgumentParser
import BoundKeypairJoin
import CLIKit
import Foundation
import JoinCore
import JoineryProto

/// `tctl bound-keypair`: operator actions on `bound_keypair` tokens, as Teleport's.
struct BoundKeypairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bound-keypair",
        abstract: "Manage bound_keypair tokens.",
        subcommands: [RequestRotationCommand.self])
}

/// `tctl bound-keypair request-rotation NAME`: the token's client must rotate its keypair on
/// its next join (see ``BoundKeypairJoin/RotationRequest``).
struct RequestRotationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request-rotation",
        abstract: "Request a keypair rotation on the next join attempt.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The bound_keypair token's name.")
    var name: String

    func run() async throws {
        try await CommandErrors.reporting {
            let connection = try global.connection()
            let name = self.name
            try await connection.withAdmin { admin in
                let current = try await admin.getResource(.with {
                    $0.kind = "token"
                    $0.name = name
                }).resourceJson
                let token = try RotationRequest.requesting(JSONDecoder().decode(ProvisionToken.self, from: current), at: Date())
                _ = try await admin.createResource(.with {
                    $0.resourceJson = try JSONEncoder().encode(token)
                    $0.upsert = true
                })
            }
            print(RotationRequest.confirmation)
        }
    }
}
