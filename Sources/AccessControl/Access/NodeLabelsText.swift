/// A node's labels as denial messages show them: `labels env=prod, team=db`, sorted by key,
/// control characters replaced (labels come from the node, not from the user or the role).
enum NodeLabelsText {
    static func describe(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "no labels" }
        return "labels " + labels.keys.sorted().map { "\(clean($0))=\(clean(labels[$0]!))" }.joined(separator: ", ")
    }

    private static func clean(_ text: String, limit: Int = 100) -> String {
        var cleaned = String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit).map { scalar in
            scalar.value < 32 || scalar.value == 127 ? "?" : scalar
        }))
        if text.unicodeScalars.count > limit { cleaned += "…" }
        return cleaned
    }
}
