/// Why a login was refused: the text of the `authFailure` audit event.
///
/// The client never sees it (SSH only says "permission denied"); the audit log does, so each
/// reason names what a person needs to act on — which CA, which principal, which option — and
/// never key material.
struct LoginRefusal: Error, Equatable, Sendable {
    var reason: String
    /// The certificate's key ID when a certificate got far enough to be read.
    var user: String

    init(_ reason: String, user: String = "") {
        self.reason = reason
        self.user = user
    }
}
