/// Which expanded logins the checker keeps. A trait value (from an identity provider, say)
/// becomes a certificate principal and a Unix account name, so values that cannot be either —
/// empty, with spaces or control characters, absurdly long — are dropped, never used.
enum LoginName {
    static let maximumLength = 256

    static func isUsable(_ login: String) -> Bool {
        !login.isEmpty && login.utf8.count <= maximumLength
            && !login.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 32 || $0.value == 127 }
            && !login.contains("{{") && !login.contains("}}")
    }
}
