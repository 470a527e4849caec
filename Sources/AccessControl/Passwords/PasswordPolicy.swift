import JoinCore

/// Teleport's rules for a local user's password: 12 to 128 characters, counted as bytes of
/// UTF-8 (the upper bound keeps a hash request from carrying megabytes into scrypt).
public enum PasswordPolicy {
    public static let minimumLength = 12
    public static let maximumLength = 128

    /// Throws `badParameter` saying which bound `password` breaks; never quotes the password.
    public static func check(_ password: String) throws {
        let length = password.utf8.count
        guard length >= minimumLength else {
            throw JoinError.badParameter(
                "password is too short: it has \(length) characters and must have at least \(minimumLength)")
        }
        guard length <= maximumLength else {
            throw JoinError.badParameter(
                "password is too long: it has \(length) characters and must have at most \(maximumLength)")
        }
    }
}
