/// Masks token names for logs, audit events, errors and `tctl tokens ls` (spec §1.1).
///
/// For the `token` method the name *is* the secret: shorter than 16 characters it is masked
/// entirely; otherwise the first 75 % become `*` and the last quarter stays visible so an
/// operator can still tell tokens apart.
public enum SafeName {
    public static func mask(_ name: String) -> String {
        let characters = Array(name)
        if characters.count < 16 {
            return String(repeating: "*", count: characters.count)
        }
        let hidden = characters.count * 3 / 4
        return String(repeating: "*", count: hidden) + String(characters[hidden...])
    }

    /// The name to show for a token: masked when the name is its secret, as-is otherwise.
    public static func display(_ token: ProvisionToken, nameIsSecret: Bool) -> String {
        nameIsSecret ? mask(token.metadata.name) : token.metadata.name
    }
}
