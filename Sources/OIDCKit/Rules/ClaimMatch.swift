import JoinCore

/// How one field of an allow rule is compared with one claim of a verified ID token.
public enum ClaimMatch: Sendable, Equatable {
    /// The claim, as text, equals the value (`repository: octo/app`).
    case exact(String)
    /// The claim, as text, matches the pattern (`project_path: "octo/*"`); also used for
    /// fields written without wildcards, where it is an exact match. A list claim matches
    /// when one of its items does.
    case glob(Glob)
    /// The claim is this boolean, written as JSON `true`/`false` or as the strings
    /// `"true"`/`"false"` (GitLab's `ref_protected`).
    case bool(Bool)
    /// The claim is a list that holds the value (CircleCI's `context-ids`), or a string equal to it.
    case member(String)
    /// The claim, as text, equals one of the values.
    case oneOf([String])
    /// The claim, as text, equals none of the values. A missing claim fails: a condition
    /// never holds for a claim the token does not have.
    case noneOf([String])
    /// The claim (a list, or one value) shares a value with the list (gcp's `locations` against
    /// the region and the zone an instance is in).
    case intersects([String])
    /// The claim is this very JSON value, type included: `1234` is not `"1234"`
    /// (generic_oidc's `must_match_fields`).
    case typed(JSONValue)

    /// Whether `claim` (nil when the token lacks it) satisfies this match. A missing claim
    /// satisfies nothing.
    public func matches(_ claim: JSONValue?) -> Bool {
        guard let claim else { return false }
        switch self {
        case .exact(let value):
            return ClaimText.scalar(claim) == value
        case .glob(let glob):
            // A list claim (groups) matches when one of its items does.
            if case .array(let items) = claim { return items.contains { ClaimText.scalar($0).map(glob.matches) ?? false } }
            return ClaimText.scalar(claim).map(glob.matches) ?? false
        case .bool(let value):
            switch claim {
            case .bool(let actual): return actual == value
            case .string(let text): return text == (value ? "true" : "false")
            default: return false
            }
        case .member(let value):
            if case .array(let items) = claim { return items.contains { ClaimText.scalar($0) == value } }
            return ClaimText.scalar(claim) == value
        case .oneOf(let values):
            return ClaimText.scalar(claim).map(values.contains) ?? false
        case .noneOf(let values):
            return ClaimText.scalar(claim).map { !values.contains($0) } ?? false
        case .typed(let expected):
            return claim == expected
        case .intersects(let values):
            if case .array(let items) = claim { return items.contains { ClaimText.scalar($0).map(values.contains) ?? false } }
            return ClaimText.scalar(claim).map(values.contains) ?? false
        }
    }
}

/// Claims as text, for matching and for the audit.
public enum ClaimText {
    /// A string as it is, a boolean as `true`/`false`, a whole number without a fraction; nil
    /// for lists, maps and null.
    public static func scalar(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        default: return nil
        }
    }

    /// A claim for the audit: scalars as text, lists of scalars joined with commas, cut short.
    public static func audit(_ value: JSONValue) -> String? {
        let text: String?
        if case .array(let items) = value {
            text = items.compactMap(scalar).joined(separator: ",")
        } else {
            text = scalar(value)
        }
        guard let text else { return nil }
        return text.count > 256 ? String(text.prefix(256)) + "..." : text
    }
}
