/// A boolean as people write it in teleport.yaml: `true`/`false`, `yes`/`no`, `on`/`off`,
/// quoted or not, in any case.
///
/// Teleport's own samples write `enabled: "yes"` — a quoted *string* — so a plain `Bool`
/// would reject the documented form. This type accepts every spelling Teleport accepts and
/// names the field when it meets anything else.
public struct LenientBool: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var value: Bool

    public init(_ value: Bool) { self.value = value }

    /// Parses one spelling; `nil` when the text is not a boolean.
    public init?(parsing text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "on", "y", "1": self.value = true
        case "false", "no", "off", "n", "0": self.value = false
        default: return nil
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let bool = try? container.decode(Bool.self) {
            self.value = bool
            return
        }
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.typeMismatch(Bool.self, .init(codingPath: decoder.codingPath,
                debugDescription: "expected true or false"))
        }
        guard let parsed = LenientBool(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container,
                debugDescription: "expected a boolean (true/false, yes/no, on/off), got \"\(text)\"")
        }
        self = parsed
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// `yes` or `no`, as Teleport's generated configs spell it.
    public var description: String { value ? "yes" : "no" }
}
