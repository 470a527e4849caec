import Foundation

/// Removes secrets from text that came back from a server before it goes into an error.
///
/// AWS's `SignatureDoesNotMatch` messages can quote the canonical request and string to sign
/// (which hold the session token); an emulator or proxy might echo anything. So text from a
/// response is cut before those quotations, every known secret is replaced, and what remains
/// is limited in length and stripped of control characters.
enum SecretRedaction {
    static let quotationMarkers = ["The Canonical String for this request should have been", "The String-to-Sign should have been"]

    static func clean(_ text: String, secrets: [String], limit: Int = 600) -> String {
        var result = text
        for marker in quotationMarkers {
            if let range = result.range(of: marker) {
                result = String(result[..<range.lowerBound]) + "(canonical request omitted)"
            }
        }
        for secret in secrets where secret.count >= 4 {
            result = result.replacingOccurrences(of: secret, with: "<redacted>")
        }
        result = String(result.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        if result.count > limit {
            result = String(result.prefix(limit)) + "…"
        }
        return result
    }
}
