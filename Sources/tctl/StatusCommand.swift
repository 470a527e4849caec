import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore
import JoineryProto

/// `tctl status`: the cluster, its version, its CAs and the CA pins.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the cluster's status and CA pins.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Output: text (table), json or yaml.")
    var format: String?

    func run() async throws {
        try await CommandErrors.reporting {
            let outputFormat = try OutputFormat(parsing: format)
            let status = try await global.connection().withAdmin { admin in
                try await admin.getStatus(Joinery_V1_StatusRequest())
            }
            let report = ClusterStatus(
                clusterName: status.clusterName, version: status.serverVersion,
                authorities: status.authorities.map { AuthorityStatus(type: $0.type, rotation: $0.rotation) },
                pins: status.authorities.flatMap(\.pins))
            print(try ClusterStatusOutput.render(report, format: outputFormat), terminator: "")
        }
    }
}
