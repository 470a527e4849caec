import Foundation
import JoinCore
import Server

/// Every live item of a backend (key, revision, bytes), to tell whether an attempt changed the
/// cluster state.
///
/// A refused attempt may legitimately write only what every attempt writes, and all of that
/// lives outside the items: audit events have their own table, rate-limiter buckets live in
/// memory, and an expired token the lookup deletes was already invisible (expired items are not
/// live). So "unchanged" is strict equality of the live items, revisions included: a write of
/// the same bytes is still a write.
struct BackendSnapshot: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var revision: Int64
        var value: Data
    }

    let items: [String: Entry]

    static func take(of backend: any Backend) async throws -> BackendSnapshot {
        let listed = try await backend.range(prefix: "/")
        return BackendSnapshot(items: Dictionary(listed.map { ($0.key, Entry(revision: $0.revision, value: $0.value)) }) { $1 })
    }

    /// What happened to each key between this snapshot and `later`, sorted by key.
    func changes(to later: BackendSnapshot) -> [BackendChange] {
        Set(items.keys).union(later.items.keys).sorted().compactMap { key in
            switch (items[key], later.items[key]) {
            case (nil, _?): BackendChange(key: key, kind: .added)
            case (_?, nil): BackendChange(key: key, kind: .removed)
            case (let before?, let after?) where before != after: BackendChange(key: key, kind: .modified)
            default: nil
            }
        }
    }
}

/// One key an attempt added, removed or rewrote.
struct BackendChange: Sendable, Hashable, CustomStringConvertible {
    enum Kind: String, Sendable, Hashable {
        case added, removed, modified

        var sign: String {
            switch self {
            case .added: "+"
            case .removed: "-"
            case .modified: "~"
            }
        }
    }

    let key: String
    let kind: Kind

    /// The key's folder (everything up to the last `/`): names that are random per join (a bot
    /// instance ID) or secret (a token) drop out, so changes of two joins can be compared.
    var folder: String {
        guard let slash = key.lastIndex(of: "/") else { return key }
        return String(key[...slash])
    }

    /// `+ /bot_instances/robot/…` style; the last part of a token key is masked, as it may be
    /// the secret.
    var description: String {
        let shown = folder == "/tokens/" ? folder + SafeName.mask(String(key.dropFirst(folder.count))) : key
        return "\(kind.sign) \(shown)"
    }

    /// `+ /tokens/` style, for comparing the shape of two joins' changes.
    var shape: String { "\(kind.sign) \(folder)" }
}

extension Array where Element == BackendChange {
    /// `the backend changed: + /a, ~ /b` for a report.
    var listing: String { "the backend changed: " + map(\.description).joined(separator: ", ") }

    /// How many changes of each shape, e.g. `["- /tokens/": 1, "+ /bot_instances/robot/": 1]`.
    var shapeCounts: [String: Int] { reduce(into: [:]) { $0[$1.shape, default: 0] += 1 } }
}
