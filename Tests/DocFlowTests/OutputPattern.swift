import Foundation

/// What a guide shows as output, read as a pattern over what the binaries print.
///
/// Lines are compared whole, with any run of spaces matching any run of spaces (tables realign
/// when a value's width changes) and trailing spaces ignored. Parts that change from run to run
/// are marked or recognised:
/// - `<name>` matches any text and remembers it as `name`; a later command of the guide that
///   says `<name>` gets that text (so `The invite token: <token>` feeds `--token=<token>`);
/// - `<...>` matches any text and remembers nothing;
/// - a line that is just `...` matches any number of lines;
/// - a line of dashes and spaces (a table's rule) matches any such line;
/// - a path the flow moved under its directory matches with or without that directory in front;
/// - times (`2026-11-21T06:32:17Z`, with fractions), UUIDs, masked token names
///   (`****…f6da42e4`) and loopback ports (`127.0.0.1:46102`, a client's) match any of their
///   kind; the ports of the guide's own servers must match as written.
struct OutputPattern {
    /// One expected line as a regular expression, and the names of its captures in order.
    struct Line {
        let regex: NSRegularExpression?  // nil for `...`
        let names: [String?]
        let text: String
        var isEllipsis: Bool { regex == nil }
    }

    let lines: [Line]

    /// - Parameters:
    ///   - movedPaths: paths that may appear in the output with `root` in front of them.
    ///   - fixedPorts: ports that must match as written (the guide's own servers), not as any port.
    init(_ text: String, movedPaths: [String] = [], root: String = "", fixedPorts: Set<Int> = []) {
        lines = OutputPattern.significantLines(text).map {
            OutputPattern.compile($0, movedPaths: movedPaths, root: root, fixedPorts: fixedPorts)
        }
    }

    /// The lines that count: trailing spaces dropped, leading and trailing blank lines dropped.
    static func significantLines(_ text: String) -> [String] {
        var lines = text.components(separatedBy: "\n").map { String($0.reversed().drop(while: \.isWhitespace).reversed()) }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// Matches `output` line for line (`...` lines aside); the captures on success, nil otherwise.
    func matchWhole(_ output: String) -> [String: String]? {
        OutputPattern.match(lines[...], OutputPattern.significantLines(output)[...])
    }

    /// Finds the pattern's lines, in order, among `output`'s lines (others may come between).
    /// On failure, the first pattern line that was not found.
    func matchInOrder(_ output: String) -> Result<[String: String], MissingLine> {
        var captures: [String: String] = [:]
        var remaining = OutputPattern.significantLines(output)[...]
        for line in lines where !line.isEllipsis {
            guard let index = remaining.firstIndex(where: { line.match($0) != nil }) else {
                return .failure(MissingLine(text: line.text))
            }
            captures.merge(line.match(remaining[index])!) { $1 }
            remaining = remaining[(index + 1)...]
        }
        return .success(captures)
    }

    struct MissingLine: Error { let text: String }

    private static func match(_ pattern: ArraySlice<Line>, _ output: ArraySlice<String>) -> [String: String]? {
        guard let first = pattern.first else { return output.isEmpty ? [:] : nil }
        if first.isEllipsis {
            for skip in 0...output.count {
                if let found = match(pattern.dropFirst(), output.dropFirst(skip)) { return found }
            }
            return nil
        }
        guard let line = output.first, let here = first.match(line),
              let after = match(pattern.dropFirst(), output.dropFirst()) else { return nil }
        return here.merging(after) { $1 }
    }

    /// Kinds of text recognised without a marker, and what each matches.
    private static let recognised: [(NSRegularExpression, String)] = [
        (#"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z"#, #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z"#),
        (#"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"#, #"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"#),
        (#"\*{8,}[0-9a-f]{8}"#, #"\*+[0-9a-f]{8}"#),
        (#"127\.0\.0\.1:\d+"#, #"127\.0\.0\.1:\d+"#),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    private static let placeholder = try! NSRegularExpression(pattern: #"<([a-z][a-z0-9_]*|\.\.\.)>"#)
    private static let rule = try! NSRegularExpression(pattern: #"^-+( +-+)*$"#)

    /// Turns one expected line into a regular expression over a whole output line.
    static func compile(_ text: String, movedPaths: [String] = [], root: String = "", fixedPorts: Set<Int> = []) -> Line {
        if text.trimmingCharacters(in: .whitespaces) == "..." { return Line(regex: nil, names: [], text: text) }
        if rule.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil {
            return Line(regex: try! NSRegularExpression(pattern: "^[- ]+$"), names: [], text: text)
        }
        // Cut the line into literal text and variable parts, left to right.
        var pieces: [(range: Range<String.Index>, regex: String, name: String?)] = []
        let whole = NSRange(text.startIndex..., in: text)
        for match in placeholder.matches(in: text, range: whole) {
            let name = String(text[Range(match.range(at: 1), in: text)!])
            pieces.append((Range(match.range, in: text)!, "(.*?)", name == "..." ? nil : name))
        }
        for path in movedPaths {
            var searchStart = text.startIndex
            while let range = text.range(of: path, range: searchStart..<text.endIndex) {
                if !pieces.contains(where: { $0.range.overlaps(range) }) {
                    let optionalRoot = "(?:" + NSRegularExpression.escapedPattern(for: root) + ")?"
                    pieces.append((range, optionalRoot + NSRegularExpression.escapedPattern(for: path), nil))
                }
                searchStart = range.upperBound
            }
        }
        for (kind, regex) in recognised {
            for match in kind.matches(in: text, range: whole) {
                let range = Range(match.range, in: text)!
                if let port = Int(text[range].drop { $0 != ":" }.dropFirst()), fixedPorts.contains(port) { continue }
                if !pieces.contains(where: { $0.range.overlaps(range) }) { pieces.append((range, "(?:\(regex))", nil)) }
            }
        }
        pieces.sort { $0.range.lowerBound < $1.range.lowerBound }
        var pattern = "^", names: [String?] = [], cursor = text.startIndex
        func literal(_ part: Substring) {
            var rest = part
            while let first = rest.first {
                if first == " " {
                    rest = rest.drop { $0 == " " }
                    pattern += " +"
                } else {
                    let chunk = rest.prefix { $0 != " " }
                    pattern += NSRegularExpression.escapedPattern(for: String(chunk))
                    rest = rest.dropFirst(chunk.count)
                }
            }
        }
        for piece in pieces {
            literal(text[cursor..<piece.range.lowerBound])
            pattern += piece.regex
            if piece.regex == "(.*?)" { names.append(piece.name) }
            cursor = piece.range.upperBound
        }
        literal(text[cursor...])
        return Line(regex: try! NSRegularExpression(pattern: pattern + "$"), names: names, text: text)
    }
}

extension OutputPattern.Line {
    /// The captures if `line` matches, else nil.
    func match(_ line: String) -> [String: String]? {
        guard let regex else { return [:] }
        guard let found = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) else { return nil }
        var captures: [String: String] = [:]
        for (index, name) in names.enumerated() {
            guard let name, let range = Range(found.range(at: index + 1), in: line) else { continue }
            captures[name] = String(line[range])
        }
        return captures
    }
}
