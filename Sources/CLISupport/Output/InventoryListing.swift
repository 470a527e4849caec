import CLIKit
import Foundation
import JoinCore

/// One connected instance as `tctl inventory ls` shows it: what its heartbeats say it runs and
/// at which version, and how it last joined.
public struct InventoryEntry: Sendable, Equatable, Encodable {
    public var serverID: String
    public var hostname: String
    /// The system roles it runs (Node, Proxy, Auth, …).
    public var services: [String]
    public var version: String
    /// The join method of its last join; empty when the Auth server has no record of it.
    public var joinMethod: String

    public init(serverID: String, hostname: String, services: [String], version: String, joinMethod: String) {
        self.serverID = serverID
        self.hostname = hostname
        self.services = services
        self.version = version
        self.joinMethod = joinMethod
    }

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id", hostname, services, version, joinMethod = "join_method"
    }

    /// Every field escaped for a terminal: the strings come from heartbeats.
    var escapedForTerminal: InventoryEntry {
        func escaped(_ text: String) -> String { UntrustedString.escapedForTerminal(text, maximumLength: 256) }
        return InventoryEntry(serverID: escaped(serverID), hostname: escaped(hostname), services: services.map(escaped),
                              version: escaped(version), joinMethod: escaped(joinMethod))
    }
}

/// `tctl inventory ls` (Teleport's `Server ID`, `Hostname`, `Services`, `Agent Version`, then
/// `Join Method`, which Teleport's lacks and an operator auditing a fleet asks for), with its
/// filters: `--services`, `--exact-version`, `--older-than`, `--newer-than`.
public enum InventoryListing {
    public static let headers = ["Server ID", "Hostname", "Services", "Agent Version", "Join Method"]

    /// The filters, parsed before anything is asked of the Auth server.
    public struct Filter: Sendable, Equatable {
        /// Lowercased role names; empty for every instance.
        public var services: Set<String> = []
        public var exactVersion: String?
        public var olderThan: [Int]?
        public var newerThan: [Int]?

        public init(services: String?, exactVersion: String?, olderThan: String?, newerThan: String?) throws {
            self.services = Set((services ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "")
            }.filter { !$0.isEmpty })
            self.exactVersion = exactVersion.flatMap { $0.isEmpty ? nil : Self.trimmed($0) }
            self.olderThan = try olderThan.flatMap { $0.isEmpty ? nil : try Self.version($0, flag: "--older-than") }
            self.newerThan = try newerThan.flatMap { $0.isEmpty ? nil : try Self.version($0, flag: "--newer-than") }
        }

        func admits(_ entry: InventoryEntry) -> Bool {
            if !services.isEmpty, !entry.services.contains(where: { services.contains($0.lowercased()) }) { return false }
            if let exactVersion, Self.trimmed(entry.version) != exactVersion { return false }
            let version = Self.components(entry.version)
            if let olderThan, !(version.map { $0.lexicographicallyPrecedes(olderThan) } ?? false) { return false }
            if let newerThan, !(version.map { newerThan.lexicographicallyPrecedes($0) } ?? false) { return false }
            return true
        }

        private static func trimmed(_ text: String) -> String { text.hasPrefix("v") ? String(text.dropFirst()) : text }

        /// `1.2.3` (or `v1.2.3`, a suffix after `-` ignored) as numbers; `nil` if it is not one.
        static func components(_ text: String) -> [Int]? {
            let core = trimmed(text).split(separator: "-", maxSplits: 1).first.map(String.init) ?? ""
            let parts = core.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
            guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil }) else { return nil }
            return parts.compactMap { $0 } + Array(repeating: 0, count: 3 - parts.count)
        }

        private static func version(_ text: String, flag: String) throws -> [Int] {
            guard let parsed = components(text) else {
                throw JoinError.badParameter("\(flag) \(UntrustedString.sanitize(text)): not a version such as 1.2.3")
            }
            return parsed
        }
    }

    /// The filtered instances for `--format`: the table for none or `text`, else a JSON list.
    public static func render(_ entries: [InventoryEntry], filter: Filter, format: OutputFormat) throws -> String {
        let shown = entries.filter(filter.admits).map(\.escapedForTerminal)
            .sorted { ($0.hostname, $0.serverID) < ($1.hostname, $1.serverID) }
        return try format.render(documents: shown) {
            TextTable(headers: headers, rows: shown.map {
                [$0.serverID, $0.hostname, $0.services.joined(separator: ","), $0.version,
                 $0.joinMethod.isEmpty ? "unknown" : $0.joinMethod]
            }).render()
        }
    }
}
