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
            throw JoinError.badParameter("invalid static token spec at \(place): expected \"roles:token\" such as \"node,proxy:<token>\" or \"node:/path/to/file\"")
        }
        do {
            roles = try SystemRole.parseList(String(entry[..<colon]))
        } catch let error as JoinError {
            throw JoinError.badParameter("invalid static token spec at \(place): \(error.message)")
        }
        do {
            try SystemRole.checkGrantableByToken(roles)
        } catch let error as JoinError {
            throw JoinError.badParameter("invalid static token spec at \(place) (roles \"\(roles.joinedNames)\"): \(error.message)")
        }
        if roles.contains(.bot) {
            throw JoinError.badParameter("invalid static token spec at \(place): static tokens cannot carry the Bot role; create a bot token with tctl instead")
        }
        let value = String(entry[entry.index(after: colon)...])
        guard !value.isEmpty else {
            throw JoinError.badParameter("invalid static token spec at \(place): the token value is empty")
        }
        if value.hasPrefix("/") {
            let content: String
            do {
                content = try readFile(value)
            } catch {
                let reason = FileManager.default.fileExists(atPath: value) ? "it is not readable UTF-8 text" : "no such file"
                throw JoinError.badParameter("cannot read the static token file \(value) named at \(place): \(reason)")
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
