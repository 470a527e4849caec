import JoinCore

/// The names a role may have: 1 to 64 characters of `A-Z a-z 0-9 . _ @ -`.
///
/// A role name travels in certificates, audit events and denial messages; keeping it to a
/// small alphabet means none of those needs escaping and no name can pose as another.
public enum RoleName {
    public static let maximumLength = 64

    /// Throws `badParameter` naming what is wrong with `name`.
    public static func validate(_ name: String) throws {
        guard !name.isEmpty else { throw JoinError.badParameter("role: metadata.name must not be empty") }
        guard name.utf8.count <= maximumLength else {
            throw JoinError.badParameter(
                "role: metadata.name \(UntrustedString.quoted(name, limit: 80)) is longer than \(maximumLength) characters")
        }
        guard name.utf8.allSatisfy(isAllowed) else {
            throw JoinError.badParameter(
                "role: metadata.name \(UntrustedString.quoted(name)) may contain only letters, digits and . _ @ -")
        }
    }

    /// Whether `name` is a valid role name.
    public static func isValid(_ name: String) -> Bool { (try? validate(name)) != nil }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "@"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
