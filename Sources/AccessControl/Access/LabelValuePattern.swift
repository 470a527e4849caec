import JoinCore

/// One value of a role's `node_labels`, matched against a node's label value as Teleport
/// matches it (`utils.SliceMatchesRegex`):
///
/// - `*` matches any value;
/// - a value that starts with `^` and ends with `$` is a regular expression;
/// - any other value is a glob in which only `*` is special (any run of characters), every
///   other character — `.`, `?`, `+`, `(` — matching only itself.
///
/// Regular expressions are compiled with Swift's `Regex`, which accepts the RE2 syntax roles
/// use in practice (classes, alternation, repetition). Unlike RE2 it backtracks, so the
/// patterns of a role are the administrator's responsibility; node label values are short.
enum LabelValuePattern {
    static let wildcard = "*"

    /// Why `pattern` cannot be used (an invalid regular expression), or nil.
    static func problem(_ pattern: String) -> String? {
        guard isRegularExpression(pattern) else { return nil }
        do {
            _ = try Regex(pattern)
            return nil
        } catch {
            return "\(UntrustedString.quoted(pattern)) is not a valid regular expression: \(error)"
        }
    }

    /// Whether `value` matches `pattern`. An invalid regular expression matches nothing.
    static func matches(_ pattern: String, _ value: String) -> Bool {
        if pattern == wildcard { return true }
        if isRegularExpression(pattern) {
            guard let regex = try? Regex(pattern) else { return false }
            return value.firstMatch(of: regex) != nil
        }
        return Glob(pattern, matchesAnyOne: false).matches(value)
    }

    static func isRegularExpression(_ pattern: String) -> Bool {
        pattern.count >= 2 && pattern.hasPrefix("^") && pattern.hasSuffix("$")
    }
}
