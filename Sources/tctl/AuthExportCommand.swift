import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore
import JoineryProto

/// `tctl auth export --type=host|user|tls-host`: the cluster's CA public keys, for
/// `@cert-authority` lines in known_hosts, `TrustedUserCAKeys`, or TLS trust stores.
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Certificate authority operations.", subcommands: [AuthExportCommand.self])
}

struct AuthExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export CA public keys.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "host (known_hosts @cert-authority line), user (authorized_keys cert-authority line) or tls-host (PEM).")
    var type: String = "host"

    func run() async throws {
        try await CommandErrors.reporting {
            let status = try await global.connection().withAdmin { admin in
                try await admin.getStatus(Joinery_V1_StatusRequest())
            }
            switch type {
            case "host":
                for key in status.authorities.first(where: { $0.type == "host" })?.sshPublicKeys ?? [] {
                    print("@cert-authority *.\(status.clusterName) \(key) type=host")
                }
            case "user":
                for key in status.authorities.first(where: { $0.type == "user" })?.sshPublicKeys ?? [] {
                    print("cert-authority \(key)")
                }
            case "tls-host":
                print(status.authorities.first(where: { $0.type == "host" })?.tlsCertificatesPem.joined() ?? "", terminator: "")
            default:
                throw JoinError.badParameter("--type \(type): use host, user or tls-host")
            }
        }
    }
}
