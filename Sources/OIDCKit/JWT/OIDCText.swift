/// Text that came from a token, an issuer or a joiner, made safe for a message: quoted,
/// control characters and quotes replaced, cut short.
public enum OIDCText {
    public static func quoted(_ text: String, limit: Int = 120) -> String {
        var cleaned = String(text.unicodeScalars.prefix(limit).map { scalar -> Character in
            scalar.value < 32 || scalar.value == 127 || scalar == "\"" || scalar == "\\" ? "?" : Character(scalar)
        })
        if text.unicodeScalars.count > limit { cleaned += "…" }
        return "\"\(cleaned)\""
    }
}
