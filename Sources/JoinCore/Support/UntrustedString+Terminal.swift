/// Client-chosen text on its way to a person's terminal (`tctl nodes ls`).
///
/// ``UntrustedString/sanitize(_:)`` keeps logs greppable by replacing everything unusual with
/// `_`; that is too lossy for what an operator reads back (a label `teleport.dev/origin`, an
/// address `[::1]:3022`). Here every printable character is kept and only what a terminal
/// would act on instead of showing — C0/C1 control characters (ESC starts colour, cursor and
/// title sequences; newlines forge table rows), Unicode format characters (bidirectional
/// overrides, zero-width joiners) and line/paragraph separators — is made visible as an
/// escape. A backslash is doubled, so an escape in the output can only come from us.
extension UntrustedString {
    /// Whether `scalar` is shown as itself: not a control, format, separator, private-use,
    /// surrogate or unassigned code point.
    public static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
            false
        default:
            true
        }
    }

    /// The first character of `value` that ``isPrintable(_:)`` refuses, with its offset in
    /// Unicode scalars; `nil` when all of it prints.
    public static func firstUnprintable(in value: String) -> (offset: Int, scalar: Unicode.Scalar)? {
        for (offset, scalar) in value.unicodeScalars.enumerated() where !isPrintable(scalar) {
            return (offset, scalar)
        }
        return nil
    }

    /// `U+001B`: how an error names a refused character without printing it.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// `value` safe to print: unprintable characters as `\n`, `\t`, `\r`, `\x1b` or
    /// `\u{202e}`, `\` as `\\`, and at most `maximumLength` scalars kept (then `...`).
    public static func escapedForTerminal(_ value: String, maximumLength: Int = 512) -> String {
        var out = ""
        var kept = 0
        for scalar in value.unicodeScalars {
            guard kept < maximumLength else {
                out += "..."
                break
            }
            kept += 1
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isPrintable(scalar): out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x100:
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            default:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }
}
