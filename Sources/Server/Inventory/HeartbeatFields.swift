import JoinCore

/// The rules for the text a heartbeat carries (hostname, address, version, labels) before the
/// Auth server stores it for `tctl nodes ls`.
///
/// A joined host chooses these strings, and an operator's terminal later prints them, so a
/// heartbeat whose fields hold control characters (ESC sequences that recolour, move the
/// cursor, retitle the window or rewrite earlier lines; newlines that forge table rows) or that
/// exceed the bounds is refused whole, with an error naming the field and the rule, never the
/// value. Refusing instead of silently cleaning keeps what is listed identical to what the host
/// reported; `tctl` still escapes on print whatever an older server stored.
public enum HeartbeatFields {
    public static let maximumHostnameLength = 256
    public static let maximumAddressLength = 256
    public static let maximumVersionLength = 128
    public static let maximumLabelKeyLength = 256
    public static let maximumLabelValueLength = 256
    public static let maximumLabels = 64

    /// Throws `badParameter` for the first field that is too long or holds an unprintable
    /// character (see ``JoinCore/UntrustedString/isPrintable(_:)``).
    public static func validate(hostname: String, address: String, version: String, labels: [String: String]) throws {
        try check(hostname, field: "hostname", limit: maximumHostnameLength)
        try check(address, field: "addr", limit: maximumAddressLength)
        try check(version, field: "version", limit: maximumVersionLength)
        guard labels.count <= maximumLabels else {
            throw JoinError.badParameter("a heartbeat may carry at most \(maximumLabels) labels; it carried \(labels.count)")
        }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            try check(key, field: "a label key", limit: maximumLabelKeyLength)
            guard !key.isEmpty else { throw JoinError.badParameter("heartbeat label keys must not be empty") }
            try check(value, field: "the value of label \(UntrustedString.sanitize(key))", limit: maximumLabelValueLength)
        }
    }

    private static func check(_ value: String, field: String, limit: Int) throws {
        let length = value.unicodeScalars.count
        guard length <= limit else {
            throw JoinError.badParameter("heartbeat \(field) is \(length) characters long; the limit is \(limit)")
        }
        if let refused = UntrustedString.firstUnprintable(in: value) {
            throw JoinError.badParameter(
                "heartbeat \(field) contains the unprintable character \(UntrustedString.codePoint(refused.scalar)) at position "
                    + "\(refused.offset + 1); only printable text is accepted (no control characters or terminal escapes)")
        }
    }
}
