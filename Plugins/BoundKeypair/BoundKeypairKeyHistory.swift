import Foundation
import JoinCore

/// `bkp_key_history.json` (spec §8.8): the bot's recent private keys, newest first, so that it
/// can still answer a challenge for an older key after the cluster is rolled back to a backup.
struct BoundKeypairKeyHistory: Sendable {
    /// How many keys are kept.
    static let limit = 10

    struct Entry: Sendable {
        var time: Date
        var key: JWSPrivateKey
    }

    private(set) var entries: [Entry] = []

    init(entries: [Entry] = []) {
        self.entries = Array(entries.prefix(Self.limit))
    }

    /// Puts `key` first (moving it up if already present) and drops the oldest beyond the limit.
    mutating func remember(_ key: JWSPrivateKey, at time: Date) {
        entries.removeAll { $0.key.publicKey == key.publicKey }
        entries.insert(Entry(time: time, key: key), at: 0)
        entries = Array(entries.prefix(Self.limit))
    }

    /// The private key whose public half is `publicKey`, if kept.
    func key(for publicKey: JWSPublicKey) -> JWSPrivateKey? {
        entries.first { $0.key.publicKey == publicKey }?.key
    }

    // MARK: File form

    private struct File: Codable {
        struct FileEntry: Codable {
            var time: String
            var privateKey: String

            enum CodingKeys: String, CodingKey { case time, privateKey = "private_key" }
        }

        var entries: [FileEntry]
    }

    init(json: Data) throws {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: json)
        } catch {
            throw JoinError.badParameter("the key history is not valid JSON: \(DecodingErrorDescription.describe(error))")
        }
        self.init(entries: try file.entries.map { entry in
            guard let time = RFC3339.parse(entry.time) else {
                throw JoinError.badParameter("the key history has an entry with an unreadable time")
            }
            return Entry(time: time, key: try JWSPrivateKey(pem: entry.privateKey))
        })
    }

    func json() throws -> Data {
        let file = File(entries: entries.map { File.FileEntry(time: RFC3339.format($0.time), privateKey: $0.key.pemRepresentation) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(file)
    }
}
