import Foundation

/// Writes strings as YAML scalars for the generated configs: plain when the text cannot be
/// misread (`0.0.0.0:3025`, `node-1`), double-quoted with JSON escapes otherwise.
///
/// Quoting is decided by what a YAML 1.1 reader would do with the plain form: `yes`, `on`,
/// `null`, `123`, `1e3`, or anything with `#`, `: ` or leading punctuation is quoted, so the
/// file reads back as exactly the string that was written.
enum YAMLScalarText {
    private static let plainCharacters = CharacterSet(charactersIn:
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@-")
    private static let specialWords: Set<String> = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".nan", ".inf", "-.inf",
    ]

    static func scalar(_ text: String) -> String {
        needsQuotes(text) ? quoted(text) : text
    }

    /// Always double-quoted, e.g. `ca_pin: ""` which guides edit with `sed`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\x%02X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func needsQuotes(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return true }
        if text.unicodeScalars.contains(where: { !plainCharacters.contains($0) }) { return true }
        if !CharacterSet.alphanumerics.contains(first) && first != "/" { return true }
        if specialWords.contains(text.lowercased()) { return true }
        if text.hasSuffix(":") { return true }
        // Numbers (including sexagesimal `1:30`, hex, `1e3`) and dates read back as other types.
        if Double(text.replacingOccurrences(of: "_", with: "")) != nil { return true }
        if text.wholeMatch(of: /[-+]?(0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)/) != nil { return true }
        if text.prefixMatch(of: /[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/) != nil { return true }
        return false
    }
}
