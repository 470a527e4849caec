import Foundation

/// One `authorized_keys`-style line, `<type> <base64 blob> [comment]`, split into its parts.
///
/// Public keys and certificates share this text form; ``SSHPublicKey`` and
/// ``SSHCertificate`` both start here and then check the blob's own type name against the
/// line's. Leading `authorized_keys` options (`from="…",no-pty …`) are skipped: the type name
/// is the first word that `isKnownType` accepts.
struct AuthorizedKeyLine: Sendable {
    let typeName: String
    let blob: [UInt8]
    let comment: String?

    init(parsing line: String, what: String, isKnownType: (String) -> Bool) throws {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map(String.init)
        guard let typeIndex = words.firstIndex(where: isKnownType) else {
            let shown = words.first.map { "\"\($0.prefix(64))\"" } ?? "an empty line"
            throw JoinError.badParameter("\(what): expected an authorized_keys line such as \"ssh-ed25519 AAAA…\", got \(shown)")
        }
        guard typeIndex + 1 < words.count else {
            throw JoinError.badParameter("\(what): the line has a key type \(words[typeIndex]) but no base64 key data")
        }
        guard let decoded = Data(base64Encoded: words[typeIndex + 1]) else {
            throw JoinError.badParameter("\(what): the key data after \(words[typeIndex]) is not valid base64")
        }
        typeName = words[typeIndex]
        blob = Array(decoded)
        let rest = words[(typeIndex + 2)...]
        comment = rest.isEmpty ? nil : rest.joined(separator: " ")
    }

    /// `<type> <base64>` (and ` <comment>` if given), as OpenSSH writes it.
    static func format(typeName: String, blob: [UInt8], comment: String? = nil) -> String {
        var line = typeName + " " + Data(blob).base64EncodedString()
        if let comment, !comment.isEmpty { line += " " + comment }
        return line
    }
}
