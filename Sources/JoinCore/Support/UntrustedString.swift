/// Cleans strings a client chose before they reach logs or audit events (spec §4.6): at most
/// 512 characters, only letters, digits and `.,:;-+@`; anything else becomes `_`.
public enum UntrustedString {
    public static let maximumLength = 512

    public static func sanitize(_ value: String) -> String {
        sanitize(value, allowing: ".,:;-+@")
    }

    /// For values a method verified (an ARN from STS, IDs from a signed document, an ID
    /// token's claims): the same bound, but `/`, `_`, `=`, `{`, `}`, `|` and `~` survive so an
    /// ARN such as `arn:aws:sts::123456789012:assumed-role/role/session`, a Bitbucket UUID
    /// (`{a1b2…}`) or an `auth0|…` subject is recorded as it is.
    public static func sanitizeVerified(_ value: String) -> String {
        sanitize(value, allowing: ".,:;-+@/_={}|~")
    }

    private static func sanitize(_ value: String, allowing punctuation: String) -> String {
        var out = ""
        out.reserveCapacity(min(value.count, maximumLength))
        for character in value.prefix(maximumLength) {
            if character.isASCII && (character.isLetter || character.isNumber) || punctuation.contains(character) {
                out.append(character)
            } else {
                out.append("_")
            }
        }
        return out
    }
}
