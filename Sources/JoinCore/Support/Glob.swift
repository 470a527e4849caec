/// A shell-style pattern over a whole string: `*` matches any run of characters (`/` and `:`
/// included), `?` exactly one; every other character matches itself. There is no escaping and
/// no character class, so a pattern without `*` or `?` is an exact match, and no character of
/// a pattern (`.`, `+`, `(`, `[`, …) can mean anything but itself, as it could in a regular
/// expression. The iam method's `aws_arn` and the OIDC methods' glob fields match with it; a
/// role's `node_labels` values use the `*`-only form (`matchesAnyOne: false`), as Teleport's do.
public struct Glob: Sendable, Equatable {
    public let pattern: String
    /// Whether `?` matches any one character; when false it matches only itself.
    public let matchesAnyOne: Bool

    public init(_ pattern: String, matchesAnyOne: Bool = true) {
        self.pattern = pattern
        self.matchesAnyOne = matchesAnyOne
    }

    /// Whether the pattern has a wildcard at all.
    public var hasWildcards: Bool { pattern.contains("*") || (matchesAnyOne && pattern.contains("?")) }

    /// Whether `text` matches, in time linear in the two lengths (no backtracking blow-up).
    public func matches(_ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars)
        let t = Array(text.unicodeScalars)
        var (pi, ti) = (0, 0)
        var star: Int?
        var resume = 0
        while ti < t.count {
            if pi < p.count, (matchesAnyOne && p[pi] == "?") || (p[pi] != "*" && p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                resume = ti
                pi += 1
            } else if let star {
                pi = star + 1
                resume += 1
                ti = resume
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
