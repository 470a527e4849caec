import Foundation
import JoinCore

/// The Auth server's own ID, kept in `data_dir/auth_server_id` so that it survives restarts:
/// the backend records the current run per server ID (``AdminGenerationStore``), and a
/// restart must replace the record its previous run left, not add one beside it.
enum AuthServerID {
    static let fileName = "auth_server_id"

    /// The stored ID, or a new random one written (0600, by write and rename) on first start.
    static func load(in dataDirectory: URL) throws -> String {
        let file = dataDirectory.appendingPathComponent(fileName)
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            let stored = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard isValid(stored) else {
                throw JoinError.badParameter(
                    "\(file.path) does not hold an Auth server ID (1 to 64 letters, digits and dashes); remove it to make a new one")
            }
            return stored
        }
        try AtomicFile.ensureDirectory(dataDirectory, mode: 0o700)
        let made = UUID().uuidString.lowercased()
        try AtomicFile.write(Data((made + "\n").utf8), to: file, mode: 0o600)
        return made
    }

    /// IDs become a backend key component and a certificate attribute, so only a plain token.
    static func isValid(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}
