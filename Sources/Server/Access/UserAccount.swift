import AccessControl
import Foundation
import JoinCore

/// A local user of the cluster (`kind: user`), stored under `/users/<name>`: the roles and
/// logins `tctl users add` gave it, and the credentials its invite set. A user whose invite
/// was never completed has no password and cannot sign in.
public struct UserAccount: Sendable, Equatable, Codable {
    public var name: String
    public var roles: [String]
    /// The `logins` trait, which `{{internal.logins}}` in roles expands to.
    public var logins: [String]
    /// The scrypt hash of the password; nil until the invite is completed.
    public var passwordHash: String?
    /// The enrolled OTP device's secret (base32); nil when none is enrolled.
    public var otpSecret: String?
    /// The step counter of the last OTP code accepted, so a code is never accepted twice.
    public var otpLastCounter: UInt64?
    public var createdAt: Date
    public var createdBy: String?

    public init(name: String, roles: [String], logins: [String], createdAt: Date, createdBy: String?) {
        self.name = name
        self.roles = roles
        self.logins = logins
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    enum CodingKeys: String, CodingKey {
        case name, roles, logins
        case passwordHash = "password_hash", otpSecret = "otp_secret", otpLastCounter = "otp_last_counter"
        case createdAt = "created_at", createdBy = "created_by"
    }

    /// The traits roles are expanded with.
    public var traits: [String: [String]] { ["logins": logins] }

    /// Checks a user name as `tctl users add` and the sign-in take it: 1 to 64 characters of
    /// letters, digits and `._@-`, so it is safe in keys, certificates and log lines.
    public static func validate(name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 64,
              name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._@-".unicodeScalars.contains($0)) }),
              !name.hasPrefix("."), !name.hasPrefix("-") else {
            throw JoinError.badParameter(
                "user name \"\(UntrustedString.sanitize(name))\" must be 1 to 64 letters, digits, dots, dashes, underscores or @, not starting with a dot or dash")
        }
        guard !name.hasPrefix("bot-") else {
            throw JoinError.badParameter("user names starting with \"bot-\" are reserved for bots")
        }
    }

    /// Checks a Unix login as written in `--logins`: what `useradd` would accept, or a role
    /// template such as `{{internal.logins}}` is not allowed here (logins are literal).
    public static func validate(login: String) throws {
        guard !login.isEmpty, login.utf8.count <= 32,
              login.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }),
              !login.hasPrefix("-") else {
            throw JoinError.badParameter(
                "login \"\(UntrustedString.sanitize(login))\" must be 1 to 32 letters, digits, dots, dashes or underscores (a Unix user name)")
        }
    }
}
