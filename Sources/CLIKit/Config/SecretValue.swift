import Foundation
import JoinCore

/// Resolves settings that hold a secret either inline or in a file (spec §10): a value that is
/// an absolute path is read from that file and trimmed; anything else is the value itself.
///
/// Keeping tokens in files (mode 0600, mounted secrets) keeps them out of the config and the
/// process list. Errors name the setting and the path, never the contents.
public enum SecretValue {
    /// True when `setting` names a file rather than holding the value.
    public static func isFilePath(_ setting: String) -> Bool { setting.hasPrefix("/") }

    /// The value of `setting`. `field` names the setting in errors
    /// (e.g. `/etc/teleport.yaml: teleport.join_params.token_name` or `--token`).
    public static func resolve(_ setting: String, field: String) throws -> String {
        guard isFilePath(setting) else { return setting }
        let contents = try readFile(setting, field: field)
        let value = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else {
            throw JoinError.badParameter("\(field): the token file \(setting) is empty; write the token into it")
        }
        return value
    }

    /// Every non-empty line of the file `setting` names (static tokens: one token per line),
    /// or `[setting]` when it is not a path.
    public static func resolveLines(_ setting: String, field: String) throws -> [String] {
        guard isFilePath(setting) else { return [setting] }
        return try readFile(setting, field: field)
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    private static func readFile(_ path: String, field: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw JoinError.badParameter("\(field): cannot read the token file \(path): \(FileErrorText.reason(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw JoinError.badParameter("\(field): the token file \(path) is not UTF-8 text")
        }
        return text
    }
}
