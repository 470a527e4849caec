/// A role's `node_labels` against a node's labels, with Teleport's rules (`MatchLabels`):
///
/// - an empty selector matches no node;
/// - `'*': '*'` (the only value of key `*` being `*`) matches every node, even one without labels;
/// - otherwise every key of the selector must be a label of the node, and the node's value
///   must match one of the key's values (``LabelValuePattern``); a key whose values include `*`
///   only requires the label to exist.
///
/// Values are the role's after trait expansion: a key whose values all expanded to nothing
/// matches no node.
struct LabelSelector {
    var entries: [String: [String]]

    init(_ entries: [String: [String]], traits: [String: [String]]) {
        self.entries = entries.mapValues { values in values.flatMap { TraitExpansion.expand($0, traits: traits) } }
    }

    /// A selector whose values are already expanded.
    init(expanded entries: [String: [String]]) {
        self.entries = entries
    }

    func matches(_ labels: [String: String]) -> Bool {
        guard !entries.isEmpty else { return false }
        if entries[LabelValuePattern.wildcard] == [LabelValuePattern.wildcard] { return true }
        for (key, patterns) in entries {
            guard let value = labels[key] else { return false }
            if patterns.contains(LabelValuePattern.wildcard) { continue }
            guard patterns.contains(where: { LabelValuePattern.matches($0, value) }) else { return false }
        }
        return true
    }
}
