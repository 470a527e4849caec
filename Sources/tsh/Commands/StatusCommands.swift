import ArgumentParser
import CLIKit
import Foundation
import JoinCore

/// `tsh status`: who is signed in, where, and until when.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the signed-in profile.")

    func run() async throws {
        try await CommandErrors.reporting {
            let store = ProfileStore()
            guard let profile = try store.current() else {
                print("Not logged in.")
                return
            }
            let certificate = try? SSHCertificate(authorizedKey: try store.read(store.paths(profile).sshCertificate)
                .trimmingCharacters(in: .whitespacesAndNewlines))
            print(ProfileSummary.render(profile, extensions: certificate?.extensions.map(\.name) ?? []), terminator: "")
        }
    }
}

/// `tsh logout`: removes every profile and key tsh keeps.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Remove the signed-in profiles and their keys.")

    func run() async throws {
        try await CommandErrors.reporting {
            let removed = try ProfileStore().removeAll()
            print(removed ? "Logged out all users from all proxies." : "You are not logged in.")
        }
    }
}
