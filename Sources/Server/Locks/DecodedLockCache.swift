import Foundation
import JoinCore
import Synchronization

/// The locks already decoded, keyed by backend key and matched on their exact stored bytes.
///
/// Every authenticated call reads all locks from the backend (so a new lock bites at once, on
/// every Auth server sharing the backend), but decoding a lock document costs far more than
/// reading it — about 170 µs each in a debug build, mostly date parsing. A lock whose stored
/// bytes are unchanged since the last call is not decoded again. Matching on the bytes rather
/// than the revision keeps the cache right whatever the backend does with revisions when a
/// lock is deleted and created again under the same name. Entries for keys that are gone are
/// dropped on each pass, so the cache never holds more than the backend does.
final class DecodedLockCache: Sendable {
    private struct Entry {
        var bytes: Data
        var lock: LockResource
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// The decoded lock for `key` when its stored bytes are still `bytes`.
    func lock(key: String, bytes: Data) -> LockResource? {
        entries.withLock { table in
            guard let entry = table[key], entry.bytes == bytes else { return nil }
            return entry.lock
        }
    }

    func store(_ lock: LockResource, key: String, bytes: Data) {
        entries.withLock { $0[key] = Entry(bytes: bytes, lock: lock) }
    }

    /// Drops the entries of keys not in `live`.
    func retain(only live: Set<String>) {
        entries.withLock { table in
            guard table.count > live.count || table.keys.contains(where: { !live.contains($0) }) else { return }
            table = table.filter { live.contains($0.key) }
        }
    }
}
