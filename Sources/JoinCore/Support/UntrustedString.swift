/// Cleans strings a client chose before they reach logs or audit events (spec §4.6): at most
/// 512 characters, only letters, digits and `.,:;-+@`; anything else becomes `_`.
public enum UntrustedString {
    public static let maximumLength = 512

    public static func sanitize(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(min(value.count, maximumLength))
        for character in value.prefix(maximumLength) {
            if character.isASCII && (character.isLetter || character.isNumber) || ".,:;-+@".contains(character) {
                out.append(character)
            } else {
                out.append("_")
            }
        }
        return out
    }
}
