import Foundation

/// The time checks of an ID token: how far clocks may disagree, and how old a token may be.
public struct TokenTimePolicy: Sendable, Equatable {
    /// Tolerated difference between the issuer's clock and ours, in both directions.
    public var clockSkew: TimeInterval
    /// The oldest `iat` accepted, whatever `exp` says: an issuer that mints long-lived tokens
    /// does not make a stolen one useful for long.
    public var maximumAge: TimeInterval

    /// One minute of skew; tokens at most an hour old: for platforms that mint a token for
    /// each join (GitHub Actions, Azure DevOps), whose tokens are minutes old when they arrive.
    public static let standard = TokenTimePolicy(clockSkew: 60, maximumAge: 3600)
    /// One minute of skew; tokens at most a day old: for tokens a job is handed when it starts
    /// and reuses for every join and renewal while it runs (GitLab's `id_tokens`, CircleCI,
    /// Bitbucket, HCP Terraform, Spacelift, env0), which live as long as the job.
    public static let jobLifetime = TokenTimePolicy(clockSkew: 60, maximumAge: 24 * 3600)

    /// ``maximumAge`` for messages: `60 minutes`, `24 hours`.
    var maximumAgeText: String {
        maximumAge >= 7200 ? "\(Int(maximumAge / 3600)) hours" : "\(Int(maximumAge / 60)) minutes"
    }

    public init(clockSkew: TimeInterval, maximumAge: TimeInterval) {
        self.clockSkew = clockSkew
        self.maximumAge = maximumAge
    }
}
