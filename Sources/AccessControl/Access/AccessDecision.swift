/// The answer of ``AccessChecker/checkLogin(_:nodeLabels:)``.
///
/// A denial carries a user-facing reason that says which check failed and which roles were
/// consulted, so that `tsh ssh` can tell a person what to ask their administrator for.
public enum AccessDecision: Sendable, Equatable {
    case allowed
    case denied(String)

    public var isAllowed: Bool { self == .allowed }

    /// The denial's reason; nil when allowed.
    public var denialReason: String? {
        if case .denied(let reason) = self { return reason }
        return nil
    }
}
