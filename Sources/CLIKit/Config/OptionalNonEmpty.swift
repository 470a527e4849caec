extension Optional where Wrapped == String {
    /// `nil` for a missing or empty string: `nodename: ""` means "not set", as in Teleport.
    package var nonEmpty: String? {
        switch self {
        case .some(let text) where !text.isEmpty: return text
        default: return nil
        }
    }
}
