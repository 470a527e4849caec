/// A plain-text table as `tctl` prints it (Teleport's `asciitable`): a header row, a row of
/// dashes as wide as each column, then the rows; columns padded to their widest cell and
/// separated by one space. The headless form (no header, no dashes) is `tctl status`.
///
/// Trailing spaces are trimmed from every line, so the output matches Teleport's documented
/// examples character for character and survives copy and paste.
public struct TextTable: Sendable, Equatable {
    /// Column titles; `nil` for a headless table.
    public var headers: [String]?
    public var rows: [[String]]

    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// A table without header and dashes, e.g. the `tctl status` key/value rows.
    public static func headless(rows: [[String]]) -> TextTable {
        var table = TextTable(headers: [], rows: rows)
        table.headers = nil
        return table
    }

    /// Cuts every cell of `column` longer than `width` to `width` characters ending in `...`
    /// (Teleport truncates `Labels` in `tctl nodes ls` unless `--verbose`).
    public func truncating(column: Int, toWidth width: Int) -> TextTable {
        var copy = self
        let limit = max(width, 4)
        copy.rows = rows.map { row in
            var row = row
            if column < row.count, row[column].count > limit {
                row[column] = String(row[column].prefix(limit - 3)) + "..."
            }
            return row
        }
        return copy
    }

    /// The table as text, one line per row, each ending in a newline.
    public func render() -> String {
        let columnCount = max(headers?.count ?? 0, rows.map(\.count).max() ?? 0)
        guard columnCount > 0 else { return "" }
        var widths = [Int](repeating: 0, count: columnCount)
        for row in (headers.map { [$0] } ?? []) + rows {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var lines: [String] = []
        if let headers {
            lines.append(line(headers, widths: widths))
            lines.append(line(widths.map { String(repeating: "-", count: $0) }, widths: widths))
        }
        lines += rows.map { line($0, widths: widths) }
        return lines.map { $0 + "\n" }.joined()
    }

    private func line(_ cells: [String], widths: [Int]) -> String {
        var text = ""
        for (index, width) in widths.enumerated() {
            let cell = index < cells.count ? cells[index] : ""
            if index > 0 { text += " " }
            text += cell + String(repeating: " ", count: max(0, width - cell.count))
        }
        while text.last == " " { text.removeLast() }
        return text
    }
}
