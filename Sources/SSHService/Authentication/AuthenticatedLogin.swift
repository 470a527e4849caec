/// A login that passed every check and the policy: who (the certificate), as whom (the Unix
/// account), from where. Session channels of the connection start their processes from it.
struct AuthenticatedLogin: Sendable, Equatable {
    var request: SSHLoginRequest
    var account: UnixAccount
}
