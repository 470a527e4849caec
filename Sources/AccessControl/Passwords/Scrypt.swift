import COpenSSL
import JoinCore

/// The scrypt key derivation function (RFC 7914), computed by OpenSSL's `EVP_PBE_scrypt`.
///
/// scrypt is memory-hard: each derivation needs `128 · r · N` bytes, which is what makes
/// guessing passwords on GPUs expensive — and also what would let a crafted hash exhaust the
/// server's memory. ``Parameters`` therefore refuses values beyond what any sane hash uses.
public enum Scrypt {
    /// The cost parameters: `N = 2^logN`, block size `r`, parallelism `p`.
    public struct Parameters: Sendable, Equatable, Hashable {
        public var logN: Int
        public var r: Int
        public var p: Int

        /// The bounds accepted: `logN` 1…20, `r` 1…32, `p` 1…16, `r · p` at most 128, at most
        /// 1 GiB of memory (`128 · r · N`) and at most `N · r · p = 2^24` (32 times the work of
        /// the default `2^15 · 8 · 1`, a few seconds).
        public static let maximumLogN = 20
        public static let maximumR = 32
        public static let maximumP = 16
        public static let maximumRTimesP = 128
        public static let maximumMemory = 1 << 30
        public static let maximumWork = 1 << 24

        public init(logN: Int, r: Int, p: Int) throws {
            guard (1...Self.maximumLogN).contains(logN) else {
                throw JoinError.badParameter("scrypt: ln=\(logN) is out of range (1 to \(Self.maximumLogN))")
            }
            guard (1...Self.maximumR).contains(r), (1...Self.maximumP).contains(p), r * p <= Self.maximumRTimesP else {
                throw JoinError.badParameter(
                    "scrypt: r=\(r), p=\(p) are out of range (r 1 to \(Self.maximumR), p 1 to \(Self.maximumP), r·p at most \(Self.maximumRTimesP))")
            }
            guard 128 * r * (1 << logN) <= Self.maximumMemory else {
                throw JoinError.badParameter("scrypt: ln=\(logN), r=\(r) need more than 1 GiB of memory")
            }
            guard (1 << logN) * r * p <= Self.maximumWork else {
                throw JoinError.badParameter("scrypt: ln=\(logN), r=\(r), p=\(p) are too costly (N·r·p at most 2^24)")
            }
            self.logN = logN
            self.r = r
            self.p = p
        }

        /// N itself.
        public var n: UInt64 { 1 << UInt64(logN) }

        /// The memory OpenSSL needs, with room to spare (its own estimate is `128 · r · (N + p + 2)`).
        var memoryLimit: UInt64 { 128 * UInt64(r) * (n + UInt64(p) + 2) + 1024 * 1024 }
    }

    /// Derives `length` bytes from `password` and `salt`.
    public static func deriveKey(password: [UInt8], salt: [UInt8], parameters: Parameters, length: Int) throws -> [UInt8] {
        guard (1...1024).contains(length) else { throw JoinError.badParameter("scrypt: key length \(length) is out of range") }
        var key = [UInt8](repeating: 0, count: length)
        // OpenSSL wants valid pointers even for empty inputs (RFC 7914's first vector is "", "").
        let passwordBytes = password.isEmpty ? [0] : password
        let saltBytes = salt.isEmpty ? [0] : salt
        let status = passwordBytes.withUnsafeBufferPointer { passwordBuffer in
            saltBytes.withUnsafeBufferPointer { saltBuffer in
                key.withUnsafeMutableBufferPointer { keyBuffer in
                    passwordBuffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: passwordBuffer.count) { passwordPointer in
                        EVP_PBE_scrypt(
                            passwordPointer, password.count, saltBuffer.baseAddress!, salt.count,
                            parameters.n, UInt64(parameters.r), UInt64(parameters.p), parameters.memoryLimit,
                            keyBuffer.baseAddress!, length)
                    }
                }
            }
        }
        guard status == 1 else {
            ERR_clear_error()
            throw JoinError.internalError("scrypt: OpenSSL could not derive the key (ln=\(parameters.logN), r=\(parameters.r), p=\(parameters.p))")
        }
        return key
    }
}
