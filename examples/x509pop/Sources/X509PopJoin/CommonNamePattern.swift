/// One `common_name` of a token's `spec.x509pop.allow`: an exact common name, or a glob in
/// which `*` stands for any run of characters (none included). Every other character, `?` and
/// `.` among them, matches only itself; matching is case-sensitive, as certificate names are
/// compared byte for byte elsewhere in X.509.
public struct CommonNamePattern: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    private let characters: [Character]

    public init(_ text: String) {
        self.text = text
        characters = Array(text)
    }

    public var description: String { text }

    /// Whether `name` matches: the classic two-pointer glob match, backtracking only to the
    /// last `*`, so it takes at most (pattern length × name length) steps — never exponential
    /// time, whatever the pattern.
    public func matches(_ name: String) -> Bool {
        let name = Array(name)
        var p = 0, n = 0
        var star: Int?, resume = 0
        while n < name.count {
            if p < characters.count, characters[p] != "*", characters[p] == name[n] {
                p += 1
                n += 1
            } else if p < characters.count, characters[p] == "*" {
                star = p
                resume = n
                p += 1
            } else if let star {
                p = star + 1
                resume += 1
                n = resume
            } else {
                return false
            }
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }
}
