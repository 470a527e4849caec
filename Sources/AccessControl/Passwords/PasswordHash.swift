import Foundation
import JoinCore

/// A password as the Auth server stores it: scrypt (``Scrypt``) with `N = 2^15, r = 8, p = 1`,
/// a 16-byte random salt and a 32-byte key, encoded
/// `$scrypt$ln=15,r=8,p=1$<base64 salt>$<base64 key>` (standard base64 without padding).
///
/// The parameters travel in the encoding so that they can be raised later without breaking
/// existing hashes; reading one refuses parameters that would make a single verification cost
/// more than a gigabyte or hours (a stored hash is data, and data can be tampered with).
public struct PasswordHash: Sendable, Equatable {
    public let parameters: Scrypt.Parameters
    public let salt: [UInt8]
    public let key: [UInt8]

    /// The parameters new hashes use.
    public static let defaultParameters = try! Scrypt.Parameters(logN: 15, r: 8, p: 1)
    static let saltLength = 16
    static let keyLength = 32
    static let scheme = "scrypt"

    /// Hashes `password` with a fresh random salt. Does not apply ``PasswordPolicy``.
    public static func make(password: String) throws -> PasswordHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = try Scrypt.deriveKey(password: Array(password.utf8), salt: salt, parameters: defaultParameters, length: keyLength)
        return PasswordHash(parameters: defaultParameters, salt: salt, key: key)
    }

    init(parameters: Scrypt.Parameters, salt: [UInt8], key: [UInt8]) {
        self.parameters = parameters
        self.salt = salt
        self.key = key
    }

    /// Reads an encoded hash, refusing other schemes, malformed fields and absurd parameters.
    public init(encoded: String) throws {
        func refuse(_ why: String) -> JoinError { .badParameter("password hash: \(why)") }
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty else { throw refuse("expected $scrypt$ln=…,r=…,p=…$<salt>$<key>") }
        guard fields[1] == Self.scheme else { throw refuse("unsupported scheme \(UntrustedString.quoted(String(fields[1]), limit: 20))") }

        var values: [String: Int] = [:]
        for pair in fields[2].split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, ["ln", "r", "p"].contains(parts[0]), values[String(parts[0])] == nil,
                  parts[1].count <= 4, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(parts[1])
            else { throw refuse("malformed parameters (expected ln=15,r=8,p=1)") }
            values[String(parts[0])] = value
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"] else {
            throw refuse("malformed parameters (expected ln=15,r=8,p=1)")
        }
        let parameters: Scrypt.Parameters
        do {
            parameters = try Scrypt.Parameters(logN: logN, r: r, p: p)
        } catch let error as JoinError {
            throw refuse(error.message)
        }
        guard let salt = Self.decodeBase64(fields[3]), (8...64).contains(salt.count) else {
            throw refuse("the salt is not base64 of 8 to 64 bytes")
        }
        guard let key = Self.decodeBase64(fields[4]), (16...64).contains(key.count) else {
            throw refuse("the key is not base64 of 16 to 64 bytes")
        }
        self.init(parameters: parameters, salt: salt, key: key)
    }

    /// `$scrypt$ln=15,r=8,p=1$<salt>$<key>`.
    public var encoded: String {
        "$\(Self.scheme)$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$\(Self.encodeBase64(salt))$\(Self.encodeBase64(key))"
    }

    /// Whether `password` is the one hashed. The derived keys are compared in constant time.
    public func verify(_ password: String) -> Bool {
        guard let derived = try? Scrypt.deriveKey(
            password: Array(password.utf8), salt: salt, parameters: parameters, length: key.count) else { return false }
        return ConstantTime.equals(derived, key)
    }

    static func encodeBase64(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// Standard base64, padded or not; nothing else (no whitespace, no URL alphabet).
    static func decodeBase64(_ text: Substring) -> [UInt8]? {
        var unpadded = String(text)
        while unpadded.hasSuffix("=") { unpadded.removeLast() }
        guard !unpadded.isEmpty, unpadded.count % 4 != 1,
              unpadded.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "+" || $0 == "/") })
        else { return nil }
        let padded = unpadded + String(repeating: "=", count: (4 - unpadded.count % 4) % 4)
        guard text.count == unpadded.count || text.count == padded.count,
              let data = Data(base64Encoded: padded) else { return nil }
        // Refuse encodings with stray low bits, so one hash has exactly one spelling.
        guard encodeBase64(Array(data)) == unpadded else { return nil }
        return Array(data)
    }
}

/// `Codable` as the encoded string, `"$scrypt$ln=15,r=8,p=1$…$…"`.
extension PasswordHash: Codable {
    public init(from decoder: Decoder) throws {
        try self.init(encoded: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(encoded)
    }
}
