import AccessControl
import Crypto
import Foundation
import JoinCore

/// One-time invites (`tctl users add`, `tctl users reset`): the secret goes into the link the
/// admin hands the user; the backend keeps only its SHA-256 (`/user_invites/<digest>`), so
/// reading the database does not give anyone a usable link. An invite expires with its item
/// and is deleted by the first completion (compare-and-delete: two browsers cannot both use it).
public struct UserInvites: Sendable {
    static let prefix = "/user_invites/"
    /// Teleport's default lifetime of a sign-up or reset link.
    public static let defaultLifetime: TimeInterval = 3600
    public static let maximumLifetime: TimeInterval = 48 * 3600

    /// What an invite is for, as stored.
    public struct Invite: Sendable, Codable, Equatable {
        public var user: String
        /// The OTP device the user is to enroll (base32), chosen when the invite was made so
        /// the page shows the same secret however often it is loaded.
        public var otpSecret: String?
        public var expires: Date
        public var reset: Bool

        enum CodingKeys: String, CodingKey {
            case user, otpSecret = "otp_secret", expires, reset
        }
    }

    let backend: any Backend
    let clock: any JoinClock

    public init(backend: any Backend, clock: any JoinClock) {
        self.backend = backend
        self.clock = clock
    }

    /// Creates an invite for `user` and returns its secret.
    public func create(user: String, otpRequired: Bool, reset: Bool, lifetime: TimeInterval?) async throws -> (token: String, invite: Invite) {
        let lifetime = lifetime ?? Self.defaultLifetime
        guard lifetime > 0, lifetime <= Self.maximumLifetime else {
            throw JoinError.badParameter("an invite's lifetime must be between 1 second and 48 hours")
        }
        let token = SymmetricKey(size: .bits256).withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
        let invite = Invite(user: user, otpSecret: otpRequired ? TOTPDevice.generate().base32Secret : nil,
                            expires: clock.now.addingTimeInterval(lifetime), reset: reset)
        _ = try await backend.create(Self.key(token), value: try JSONEncoder().encode(invite), expires: invite.expires)
        return (token, invite)
    }

    /// The live invite behind `token`; the same refusal for unknown, expired and malformed
    /// tokens, so the page cannot be used to probe which exist.
    public func find(token: String) async throws -> (invite: Invite, revision: Int64) {
        guard token.utf8.count == 64, token.allSatisfy(\.isHexDigit),
              let item = try await backend.get(Self.key(token)),
              let invite = try? JSONDecoder().decode(Invite.self, from: item.value),
              invite.expires > clock.now else {
            throw Self.invalid
        }
        return (invite, item.revision)
    }

    /// Spends the invite: only one completion deletes it.
    public func spend(token: String, revision: Int64) async throws {
        do {
            try await backend.compareAndDelete(Self.key(token), expectedRevision: revision)
        } catch let error as JoinError where error.kind == .compareFailed || error.kind == .notFound {
            throw Self.invalid
        }
    }

    /// Removes every invite of `user` (the user was removed or reset).
    public func removeAll(of user: String) async throws {
        for item in try await backend.range(prefix: Self.prefix) {
            if let invite = try? JSONDecoder().decode(Invite.self, from: item.value), invite.user == user {
                try? await backend.delete(item.key)
            }
        }
    }

    static let invalid = JoinError.notFound("this invite link is invalid or has expired; ask your administrator for a new one (tctl users reset)")

    static func key(_ token: String) -> String {
        prefix + SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
