import Foundation

/// How long an issuer's keys are kept and how often they may be fetched again.
public struct KeySetCachePolicy: Sendable {
    /// Kept at least this long, whatever `Cache-Control` says (`no-store`, `max-age=0`).
    public var minimumLifetime: TimeInterval = 60
    /// Kept at most this long, whatever `Cache-Control` says.
    public var maximumLifetime: TimeInterval = 24 * 3600
    /// Kept this long when the issuer sends no `max-age`.
    public var defaultLifetime: TimeInterval = 600
    /// A token signed by a key the cached set lacks makes one fetch, at most this often per issuer.
    public var unknownKeyRefetchInterval: TimeInterval = 30
    /// While the issuer cannot be reached, its last good keys keep verifying for this long
    /// after they were fetched; after that, joins fail as `unavailable`.
    public var maximumStaleness: TimeInterval = 24 * 3600
    /// After a failed fetch, stale keys are served this long before the next attempt.
    public var retryAfterFailure: TimeInterval = 30
    /// After a failed fetch with no keys to serve, joins are refused with the same reason for
    /// this long before the issuer is asked again.
    public var failureBackoff: TimeInterval = 5

    public init() {}

    /// The lifetime a `Cache-Control` header value gives, within the bounds.
    public func lifetime(cacheControl: String?) -> TimeInterval {
        guard let cacheControl else { return defaultLifetime }
        var lifetime = defaultLifetime
        for directive in cacheControl.lowercased().split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            switch parts.first {
            case "no-store", "no-cache":
                return minimumLifetime
            case "max-age" where parts.count == 2:
                if let seconds = TimeInterval(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))), seconds >= 0 {
                    lifetime = seconds
                }
            default:
                continue
            }
        }
        return min(max(lifetime, minimumLifetime), maximumLifetime)
    }
}
