import JoinCore

/// `auth_service.authentication.second_factor`: what a local user proves besides a password.
/// Teleport's default is `otp`; `off` signs users in with a password alone.
public enum SecondFactorMode: String, Sendable, CaseIterable {
    case otp
    case off

    public init(parsing text: String) throws {
        guard let mode = SecondFactorMode(rawValue: text.lowercased()) else {
            throw JoinError.badParameter(
                "auth_service.authentication.second_factor: \"\(UntrustedString.sanitize(text))\" is not supported; use otp or off")
        }
        self = mode
    }
}
