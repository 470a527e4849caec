extension ProvisionToken {
    /// The labels this token binds to every host it admits, which win over the labels the host
    /// reports about itself: a compromised node cannot relabel itself into a group it was not
    /// admitted to. `metadata.labels` (what `tctl tokens add --labels` sets; Teleport's own
    /// `teleport.dev/…` keys excepted), under `spec.suggested_labels` (a value, or a list of
    /// values written comma-separated), which wins for a key in both.
    public var boundLabels: [String: String] {
        var labels: [String: String] = [:]
        for (key, value) in metadata.labels ?? [:] where !key.hasPrefix("teleport.dev/") {
            labels[key] = value
        }
        if case .object(let suggested)? = spec.suggestedLabels {
            for (key, value) in suggested {
                switch value {
                case .string(let text): labels[key] = text
                case .array(let items):
                    let texts = items.compactMap(\.stringValue)
                    if !texts.isEmpty { labels[key] = texts.joined(separator: ",") }
                default: continue
                }
            }
        }
        return labels
    }
}
