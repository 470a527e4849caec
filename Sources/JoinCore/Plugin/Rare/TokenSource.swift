/// Tokens that live outside the backend, e.g. static tokens from `auth_service.tokens`.
///
/// The pipeline asks every source before the backend (spec §2.4 step 1). Sources are read-only:
/// `tctl tokens rm` refuses their tokens.
public protocol TokenSource: Sendable {
    /// The token whose name equals `name`, compared in constant time; `nil` if none.
    func token(named name: String) -> ProvisionToken?
    /// Every token, for `tctl tokens ls`.
    func allTokens() -> [ProvisionToken]
}
