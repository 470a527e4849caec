/// A source of AWS credentials: the environment, the shared files, an instance role, an
/// assumed role, or fixed keys.
///
/// `nil` means "this source has nothing to offer, try the next"; a thrown error means the
/// source is present but broken (a profile named but missing, a half-set environment), which
/// a person must fix rather than have silently skipped.
public protocol AWSCredentialProvider: Sendable {
    func credentials() async throws -> AWSCredentials?
}

extension AWSCredentials: AWSCredentialProvider {
    /// Fixed credentials provide themselves.
    public func credentials() async throws -> AWSCredentials? { self }
}
