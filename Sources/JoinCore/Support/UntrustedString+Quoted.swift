extension UntrustedString {
    /// Text a peer chose (a header, a claim, a host name), made safe for an error message:
    /// quoted, control characters, quotes and backslashes replaced by `?`, cut to `limit`
    /// scalars (then `…`).
    public static func quoted(_ text: String, limit: Int = 120) -> String {
        var cleaned = String(text.unicodeScalars.prefix(limit).map { scalar -> Character in
            scalar.value < 32 || scalar.value == 127 || scalar == "\"" || scalar == "\\" ? "?" : Character(scalar)
        })
        if text.unicodeScalars.count > limit { cleaned += "…" }
        return "\"\(cleaned)\""
    }
}
