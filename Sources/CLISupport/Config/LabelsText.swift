import JoinCore

/// Labels as the command line and tables write them: `env=prod,team=web`.
public enum LabelsText {
    /// Parses `k=v,k2=v2` (`--labels`). An empty string gives no labels.
    public static func parse(_ text: String, flag: String = "--labels") throws -> [String: String] {
        var labels: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            guard parts.count == 2, !key.isEmpty else {
                throw JoinError.badParameter("\(flag): invalid label \"\(pair)\": expected key=value, e.g. env=prod,team=web")
            }
            labels[key] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return labels
    }

    /// `k=v,k2=v2`, sorted by key so output is stable; internal `teleport.internal/` labels hidden.
    public static func format(_ labels: [String: String]?) -> String {
        guard let labels else { return "" }
        return labels.keys
            .filter { !$0.hasPrefix("teleport.internal/") }
            .sorted()
            .map { "\($0)=\(labels[$0]!)" }
            .joined(separator: ",")
    }
}
