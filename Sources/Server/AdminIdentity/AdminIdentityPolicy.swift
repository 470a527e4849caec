import Foundation
import JoinCore

/// How long tctl's Admin identity lives and when the running Auth server replaces it.
///
/// The identity is short-lived so that a copy of `data_dir/admin/` is worth hours, not years;
/// the server renews it long before it expires, so an operator on the Auth host never sees
/// it lapse while the server runs. Renewal is decided on the server's ``JoinClock`` (a wall
/// clock, so time a suspended machine slept counts), checked every ``checkInterval``.
public struct AdminIdentityPolicy: Sendable, Equatable {
    /// Eight hours: a working day, well under the one-day ceiling.
    public static let standard = try! AdminIdentityPolicy(lifetime: 8 * 3600, renewAfter: 3600, checkInterval: .seconds(30))

    /// How long each Admin certificate is valid (plus the usual minute of clock-skew allowance
    /// before its issue time).
    public let lifetime: TimeInterval
    /// The age at which the current certificate is replaced.
    public let renewAfter: TimeInterval
    /// How often the server looks at the age of the current certificate.
    public let checkInterval: Duration

    /// - Throws: `badParameter` unless `lifetime` is under a day and `renewAfter` is positive
    ///   and at most half the lifetime (so one missed renewal never lets the identity lapse).
    public init(lifetime: TimeInterval, renewAfter: TimeInterval, checkInterval: Duration) throws {
        guard lifetime > 0, lifetime < 24 * 3600 else {
            throw JoinError.badParameter("the admin identity lifetime must be positive and under a day, not \(lifetime) s")
        }
        guard renewAfter > 0, renewAfter <= lifetime / 2 else {
            throw JoinError.badParameter("the admin identity must be renewed after at most half its lifetime (\(lifetime / 2) s), not \(renewAfter) s")
        }
        guard checkInterval > .zero else {
            throw JoinError.badParameter("the admin identity check interval must be positive")
        }
        self.lifetime = lifetime
        self.renewAfter = renewAfter
        self.checkInterval = checkInterval
    }

    /// How long the backend keeps a run's record after its last renewal: a little longer than
    /// the newest certificate lives, so a valid certificate always finds its record, and a
    /// crashed server's record vanishes soon after its last certificate expired.
    var recordLifetime: TimeInterval { lifetime + 300 }
}
