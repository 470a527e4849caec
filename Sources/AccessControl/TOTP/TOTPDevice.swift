import Crypto
import Foundation
import JoinCore

/// A time-based one-time password device (RFC 6238): HMAC-SHA1, 30-second steps, 6 digits —
/// the settings every authenticator app uses when given only a secret.
///
/// The device is its secret. Replay protection needs state the device does not own: the Auth
/// server records the step counter of the last code accepted and passes it back to
/// ``matchingCounter(for:at:lastUsedCounter:)``, which refuses that counter and any older one.
public struct TOTPDevice: Sendable, Equatable {
    /// The shared secret (20 random bytes for generated devices).
    public var secret: [UInt8]

    public static let period: UInt64 = 30
    public static let digits = 6
    /// Codes of the step before and after the current one are accepted, for clock drift and
    /// for a code typed as its step ends.
    public static let allowedDriftSteps: UInt64 = 1
    /// Shortest secret accepted from outside: 80 bits, the common minimum of authenticator apps.
    public static let minimumSecretLength = 10
    public static let maximumSecretLength = 64

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// A new device with a 20-byte secret from the system's secure random generator.
    public static func generate() -> TOTPDevice {
        var generator = SystemRandomNumberGenerator()
        return TOTPDevice(secret: (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// A device from the base32 secret an app shows or a QR code carries.
    public init(base32Secret: String) throws {
        guard let secret = Base32.decode(base32Secret) else {
            throw JoinError.badParameter("TOTP secret is not valid base32 (letters A-Z and digits 2-7)")
        }
        guard (Self.minimumSecretLength...Self.maximumSecretLength).contains(secret.count) else {
            throw JoinError.badParameter(
                "TOTP secret must be \(Self.minimumSecretLength) to \(Self.maximumSecretLength) bytes, found \(secret.count)")
        }
        self.secret = secret
    }

    /// RFC 4648 base32, upper-case, without padding.
    public var base32Secret: String { Base32.encode(secret) }

    /// The step counter at `date`: whole 30-second periods since the Unix epoch (0 before it).
    public static func counter(at date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970
        guard seconds > 0 else { return 0 }
        return UInt64(min(seconds, 1e18) / Double(period))
    }

    /// The 6-digit code at `date`, zero-padded.
    public func code(at date: Date) -> String { code(counter: Self.counter(at: date)) }

    /// The 6-digit code for step `counter` (RFC 4226 HOTP with dynamic truncation).
    public func code(counter: UInt64) -> String {
        let value = Self.truncatedValue(secret: secret, counter: counter) % 1_000_000
        let text = String(value)
        return String(repeating: "0", count: Self.digits - text.count) + text
    }

    /// RFC 4226 §5.3: the 31-bit number the digits are taken from.
    static func truncatedValue(secret: [UInt8], counter: UInt64) -> UInt32 {
        let message = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        return (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
    }

    /// The step counter of `code` when it is valid at `at` — the current step or one step
    /// either side — and newer than `lastUsedCounter`; nil otherwise. `code` must be exactly six
    /// ASCII digits. Every candidate is computed and compared in constant time.
    public func matchingCounter(for code: String, at date: Date, lastUsedCounter: UInt64?) -> UInt64? {
        let typed = Array(code.utf8)
        guard typed.count == Self.digits, typed.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        let now = Self.counter(at: date)
        let first = now >= Self.allowedDriftSteps ? now - Self.allowedDriftSteps : 0
        var match: UInt64?
        for counter in first...(now + Self.allowedDriftSteps) {
            let matches = ConstantTime.equals(Array(self.code(counter: counter).utf8), typed)
            let fresh = lastUsedCounter.map { counter > $0 } ?? true
            if matches, fresh, match == nil { match = counter }
        }
        return match
    }

    /// The `otpauth://` URI an authenticator app reads from a QR code:
    /// `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`,
    /// issuer and account percent-encoded.
    public func provisioningURI(account: String, issuer: String) -> String {
        let label = "\(Self.percentEncode(issuer)):\(Self.percentEncode(account))"
        return "otpauth://totp/\(label)?secret=\(base32Secret)&issuer=\(Self.percentEncode(issuer))" +
            "&algorithm=SHA1&digits=\(Self.digits)&period=\(Self.period)"
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func percentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(Character(Unicode.Scalar(byte)))
            default:
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }
}

/// `Codable` as `{"secret": "<base32>"}`, the form the secret is shown in.
extension TOTPDevice: Codable {
    private enum CodingKeys: String, CodingKey { case secret }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(base32Secret: try container.decode(String.self, forKey: .secret))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(base32Secret, forKey: .secret)
    }
}
