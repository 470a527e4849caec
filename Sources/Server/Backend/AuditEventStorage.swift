import Foundation
import JoinCore

/// How backends keep an ``AuditEvent``: its JSON form as text (sorted keys, so two copies of
/// one event are byte-identical), read back with an error that says where the bad row is.
///
/// Text rather than a JSON column type: PostgreSQL's `jsonb` rejects `\u0000`, which a joining
/// client could put in its node name to make the append fail; the log must take every event.
extension AuditEvent {
    /// The stored form.
    func storedJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads the stored form of event `id`; `location` names the database in the error.
    init(storedJSON json: String, id: Int64, location: String) throws {
        do {
            self = try JSONDecoder().decode(AuditEvent.self, from: Data(json.utf8))
        } catch {
            throw JoinError.internalError(
                "audit event \(id) in \(location) cannot be read (\(error)); the audit table was edited outside Joinery")
        }
    }
}
