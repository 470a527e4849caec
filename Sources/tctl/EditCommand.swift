import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore
import JoineryProto

/// `tctl edit KIND/NAME`: opens the resource as YAML in the user's editor and stores what
/// comes back, checked as `tctl create` checks a file, refusing a changed kind or name. The
/// file (which may hold a token, a secret) lives in a directory only the user can read and is
/// removed afterwards.
struct EditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit a resource in $EDITOR (TELEPORT_EDITOR, VISUAL or EDITOR; vi by default): token/NAME, bot/NAME, lock/NAME.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The resource: token/NAME, bot/NAME or lock/NAME.")
    var resource: String

    func run() async throws {
        try await CommandErrors.reporting {
            let reference = try ResourceReference(parsing: resource)
            guard let name = reference.name, ["token", "bot", "lock"].contains(reference.kind) else {
                throw JoinError.badParameter("tctl edit takes one resource: token/NAME, bot/NAME or lock/NAME")
            }
            let connection = try global.connection()
            let current = try await connection.withAdmin { admin in
                try await admin.getResource(.with {
                    $0.kind = reference.kind
                    $0.name = name
                }).resourceJson
            }
            let original = reference.kind == "token"
                ? try ResourceDocuments.yaml([JSONDecoder().decode(ProvisionToken.self, from: current)])
                : try ResourceDocuments.yaml([JSONDecoder().decode(JSONValue.self, from: current)])
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tctl-edit-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("\(reference.kind).yaml")
            guard FileManager.default.createFile(atPath: file.path, contents: Data(original.utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw JoinError.unavailable("cannot write \(file.path) for the editor")
            }
            try runEditor(on: file)
            let edited = try String(contentsOf: file, encoding: .utf8)
            guard edited != original else {
                print("edit canceled, no changes made")
                return
            }
            let document = try ResourceEdit.edited(try ResourceDocuments.documents(fromFile: file.path), kind: reference.kind, name: name)
            if let token = document.token { try await LocalTokenCheck.validate(token) }
            _ = try await connection.withAdmin { admin in
                try await admin.createResource(.with {
                    $0.resourceJson = document.json
                    $0.upsert = true
                })
            }
            let label = reference.kind == "token" ? "provision_token" : reference.kind
            print("\(label) \"\(name)\" has been updated")
        }
    }

    /// Runs the editor on `file` in this terminal; a failure leaves the resource as it was.
    private func runEditor(on file: URL) throws {
        let command = ResourceEdit.editorCommand(environment: ProcessInfo.processInfo.environment)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command + [file.path]
        do {
            try process.run()
        } catch {
            throw JoinError.badParameter("could not start editor \(command.joined(separator: " ")): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw JoinError.badParameter(
                "skipping resource update, editor did not complete successfully: \(command[0]) exited with status \(process.terminationStatus)")
        }
    }
}
