import JoinCore
import Yams

/// Rewrites Yams' type errors so they name what the field wants, not Yams' node kinds:
/// Yams reports a list where a string belongs as "expected Scalar"; people need
/// "expected a string".
package enum YAMLDecodingErrorText {
    package static func describe(_ error: any Error) -> String {
        DecodingErrorDescription.describe(normalize(error))
    }

    static func normalize(_ error: any Error) -> any Error {
        guard case let DecodingError.typeMismatch(type, context) = error else { return error }
        switch type {
        case is Node.Scalar.Type: return DecodingError.typeMismatch(String.self, context)
        case is Node.Mapping.Type: return DecodingError.typeMismatch([String: String].self, context)
        case is Node.Sequence.Type: return DecodingError.typeMismatch([String].self, context)
        default: return error
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes a number, reporting a value of the wrong shape as "expected a number"
    /// rather than as the YAML node kind Yams saw.
    package func decodeNumberIfPresent<T: Decodable & Numeric>(_ type: T.Type, forKey key: Key) throws -> T? {
        do {
            return try decodeIfPresent(type, forKey: key)
        } catch DecodingError.typeMismatch(_, let context) {
            throw DecodingError.typeMismatch(type, context)
        }
    }
}
