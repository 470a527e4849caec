import Foundation

/// A value written with a trait variable, `{{internal.logins}}` or `{{external.groups}}`,
/// optionally with literal text around it (`{{internal.logins}}-admin`), as Teleport writes them.
///
/// Teleport's templates also allow functions (`{{email.local(external.email)}}`,
/// `{{regexp.replace(...)}}`); Joinery does not, and such a value is not a template here:
/// role parsing refuses it and the checker drops it rather than use it literally.
struct TraitTemplate: Equatable {
    /// `internal` or `external`; both read the user's traits by name.
    var namespace: String
    /// The trait's name: `logins` in `{{internal.logins}}`.
    var trait: String
    var prefix: String
    var suffix: String

    /// Parses `text` when it contains exactly one well-formed `{{namespace.name}}`; nil otherwise.
    init?(_ text: String) {
        guard let open = text.range(of: "{{"), let close = text.range(of: "}}", range: open.upperBound..<text.endIndex) else {
            return nil
        }
        prefix = String(text[..<open.lowerBound])
        suffix = String(text[close.upperBound...])
        guard !prefix.contains("{{"), !prefix.contains("}}"), !suffix.contains("{{"), !suffix.contains("}}") else { return nil }
        let inner = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
        let parts = inner.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "internal" || parts[0] == "external", !parts[1].isEmpty,
              parts[1].unicodeScalars.allSatisfy(Self.isNameCharacter) else { return nil }
        namespace = String(parts[0])
        trait = String(parts[1])
    }

    /// The values this template stands for, given the user's traits: one per non-empty trait
    /// value, with the literal text around it. An unknown trait gives none.
    func expand(_ traits: [String: [String]]) -> [String] {
        (traits[trait] ?? []).filter { !$0.isEmpty }.map { prefix + $0 + suffix }
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
    }
}

/// Expands role values (logins, label values) against a user's traits.
enum TraitExpansion {
    /// `value` itself when it has no template; its expansion when it has a valid one; nothing
    /// when it looks like a template but is not one (it must never be used as a literal).
    static func expand(_ value: String, traits: [String: [String]]) -> [String] {
        guard value.contains("{{") || value.contains("}}") else { return [value] }
        return TraitTemplate(value)?.expand(traits) ?? []
    }
}
