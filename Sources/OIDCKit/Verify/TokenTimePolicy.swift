import Foundation

/// The time checks of an ID token: how far clocks may disagree, and how old a token may be.
public struct TokenTimePolicy: Sendable, Equatable {
    /// Tolerated difference between the issuer's clock and ours, in both directions.
    public var clockSkew: TimeInterval
    /// The oldest `iat` accepted, whatever `exp` says: an issuer that mints long-lived tokens
    /// does not make a stolen one useful for long.
    public var maximumAge: TimeInterval

    /// One minute of skew; tokens at most an hour old (CI platforms mint them per job, for
    /// minutes to an hour).
    public static let standard = TokenTimePolicy(clockSkew: 60, maximumAge: 3600)

    public init(clockSkew: TimeInterval, maximumAge: TimeInterval) {
        self.clockSkew = clockSkew
        self.maximumAge = maximumAge
    }
}
