import Foundation

/// A host ID kept in a file of `data_dir`, made on first use, so a service keeps its ID across
/// restarts (the Auth host's own node, its proxy).
enum PersistedHostID {
    static func load(named name: String, in dataDirectory: URL) throws -> String {
        let file = dataDirectory.appendingPathComponent(name)
        if let stored = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !stored.isEmpty {
            return stored
        }
        let hostID = UUID().uuidString.lowercased()
        try Data((hostID + "\n").utf8).write(to: file, options: .atomic)
        return hostID
    }
}
