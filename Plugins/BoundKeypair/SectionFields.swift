import Foundation
import JoinCore

/// Field parsing shared by the token's `spec.bound_keypair` and `status.bound_keypair`.
enum SectionFields {
    /// Parses an optional RFC 3339 time; empty means unset. `path` names the field in the error.
    static func time(_ text: String?, path: String) throws -> Date? {
        guard let text = text.nonEmpty else { return nil }
        guard let date = RFC3339.parse(text) else {
            throw JoinError.badParameter(
                "\(path): \"\(UntrustedString.sanitize(text))\" is not an RFC 3339 time such as 2026-01-02T15:04:05Z")
        }
        return date
    }

    /// Reads an optional `uint32` written as a JSON number; `path` names the field in the error.
    static func uint32(_ number: Double?, path: String) throws -> UInt32? {
        guard let number else { return nil }
        guard number.rounded() == number, number >= 0, number <= Double(UInt32.max) else {
            throw JoinError.badParameter("\(path): expected a whole number from 0 to \(UInt32.max), got \(number)")
        }
        return UInt32(number)
    }
}

extension Optional where Wrapped == String {
    /// The string when present and not empty.
    var nonEmpty: String? {
        switch self {
        case .some(let text) where !text.isEmpty: return text
        default: return nil
        }
    }
}
