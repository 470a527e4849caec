/// An `aws_arn` pattern of an iam allow rule (spec §7.3 step 11): `*` matches any run of
/// characters (including `/` and `:`), `?` exactly one character, everything else itself;
/// the whole ARN must match.
///
/// Matched directly rather than translated to a regular expression, so no character of a
/// pattern (`.`, `+`, `(`, `[`, …) can mean anything but itself.
struct ARNGlob: Sendable, Equatable {
    let pattern: String

    init(_ pattern: String) {
        self.pattern = pattern
    }

    func matches(_ arn: String) -> Bool {
        let pattern = Array(self.pattern.unicodeScalars)
        let text = Array(arn.unicodeScalars)
        var p = 0, t = 0
        var star: Int?
        var resume = 0
        // The classic linear-backtracking wildcard match: remember the last `*` and, on a
        // mismatch, let it swallow one more character. At most len(pattern) × len(text) steps.
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || (pattern[p] != "*" && pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                resume = t
                p += 1
            } else if let lastStar = star {
                p = lastStar + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
