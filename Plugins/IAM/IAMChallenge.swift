import Foundation

/// The server's challenge for one IAM join attempt (spec §7.1): 32 random bytes, base64 with
/// the standard alphabet and no padding, so always 43 characters.
///
/// The node signs it into its `sts:GetCallerIdentity` request as `X-Teleport-Challenge`; AWS
/// checks that signature, so a request signed for one attempt is worthless for any other.
package struct IAMChallenge: Sendable {
    static let byteCount = 32
    static let encodedLength = 43

    let value: String

    package init(value: String) {
        self.value = value
    }

    /// A fresh challenge from the system's cryptographic random source (`getrandom` on Linux).
    static func random() -> IAMChallenge {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return IAMChallenge(value: Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: ""))
    }

    /// True when `text` could be a challenge: base64 characters only, bounded. The client checks
    /// this before putting the text into an HTTP header, so a hostile server cannot inject lines.
    static func isWellFormed(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128 && text.utf8.allSatisfy { byte in
            (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte) || byte == 43 || byte == 47
        }
    }
}
