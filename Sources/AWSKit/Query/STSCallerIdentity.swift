/// Who a set of credentials belongs to, as STS GetCallerIdentity reports it.
public struct STSCallerIdentity: Sendable, Equatable {
    /// The 12-digit AWS account ID.
    public let account: String
    /// E.g. `arn:aws:iam::123456789012:user/alice` or `arn:aws:sts::123456789012:assumed-role/role/session`.
    public let arn: String
    /// The unique ID of the caller (`AIDA…`, or `AROA…:session` for an assumed role).
    public let userID: String

    public init(account: String, arn: String, userID: String) {
        self.account = account
        self.arn = arn
        self.userID = userID
    }
}
