import Foundation

/// Keeps the credentials of another provider until shortly before they expire, so that every
/// AWS call does not go back to the instance metadata service or STS.
public actor CachedCredentialProvider: AWSCredentialProvider {
    public let source: any AWSCredentialProvider
    /// Credentials expiring within this many seconds are fetched again.
    public let refreshMargin: TimeInterval
    private let now: @Sendable () -> Date
    private var cached: AWSCredentials?

    public init(_ source: any AWSCredentialProvider, refreshMargin: TimeInterval = 300,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.source = source
        self.refreshMargin = refreshMargin
        self.now = now
    }

    public func credentials() async throws -> AWSCredentials? {
        if let cached, !cached.expires(within: refreshMargin, of: now()) { return cached }
        let fresh = try await source.credentials()
        cached = fresh
        return fresh
    }
}
