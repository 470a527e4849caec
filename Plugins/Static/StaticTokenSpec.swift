import Foundation
import JoinCore

/// One entry of `auth_service.tokens` (spec §3): `roles:value`, where the value is the token
/// itself or an absolute path to a file holding one token per line.
package struct StaticTokenSpec {
    let roles: [SystemRole]
    let values: [String]

    /// Parses entry number `index`. Errors name the entry by position, never by content: the
    /// text after the colon is a secret.
    package init(parsing entry: String, index: Int, readFile: (String) throws -> String) throws {
        let place = "auth_service.tokens[\(index)]"
        guard let colon = entry.firstIndex(of: ":") else {
            throw StaticErrors.noColon(at: place)
        }
        do {
            roles = try SystemRole.parseList(String(entry[..<colon]))
        } catch let error as JoinError {
            throw StaticErrors.badRoles(at: place, error)
        }
        do {
            try SystemRole.checkGrantableByToken(roles)
        } catch let error as JoinError {
            throw StaticErrors.roleNotGrantable(at: place, roles: roles, error)
        }
        if roles.contains(.bot) {
            throw StaticErrors.botRole(at: place)
        }
        let value = String(entry[entry.index(after: colon)...])
        guard !value.isEmpty else {
            throw StaticErrors.emptyValue(at: place)
        }
        if value.hasPrefix("/") {
            let content: String
            do {
                content = try readFile(value)
            } catch {
                let reason = FileManager.default.fileExists(atPath: value) ? "it is not readable UTF-8 text" : "no such file"
                throw StaticErrors.unreadableFile(value, at: place, reason: reason)
            }
            values = content.trimmingCharacters(in: .whitespacesAndNewlines)
                .split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        } else {
            values = [value]
        }
    }
}
