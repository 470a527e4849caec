/// Reads the SSH wire encoding (RFC 4251 §5): big-endian integers and length-prefixed strings.
///
/// Everything we parse with it (public keys, certificates, private key files) comes from
/// outside, so every read is bounds-checked and a malformed input becomes a
/// `JoinError.badParameter` naming what was being read, never a crash.
public struct SSHWireReader: Sendable {
    /// The largest string we accept. SSH keys and certificates are a few kilobytes; a length
    /// near 4 GiB is either corruption or an attack.
    public static let defaultMaximumStringLength = 1 << 20

    private let bytes: [UInt8]
    private var offset: Int
    /// What is being read, for error messages: "SSH public key", "SSH certificate", …
    public let context: String
    public let maximumStringLength: Int

    public init<Bytes: Collection>(
        _ bytes: Bytes, context: String, maximumStringLength: Int = SSHWireReader.defaultMaximumStringLength
    ) where Bytes.Element == UInt8 {
        self.bytes = Array(bytes)
        self.offset = 0
        self.context = context
        self.maximumStringLength = maximumStringLength
    }

    /// Whether every byte has been consumed.
    public var isAtEnd: Bool { offset == bytes.count }

    /// How many bytes are left.
    public var remainingCount: Int { bytes.count - offset }

    /// The bytes already consumed, from the start: what an SSH signature covers.
    public var consumedBytes: ArraySlice<UInt8> { bytes[..<offset] }

    public mutating func readUInt8(_ field: String) throws -> UInt8 {
        try readBytes(count: 1, field: field)[0]
    }

    public mutating func readUInt32(_ field: String) throws -> UInt32 {
        try readBytes(count: 4, field: field).reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func readUInt64(_ field: String) throws -> UInt64 {
        try readBytes(count: 8, field: field).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A `boolean`: one byte, zero is false.
    public mutating func readBoolean(_ field: String) throws -> Bool {
        try readUInt8(field) != 0
    }

    /// A `string`: uint32 length then that many bytes.
    public mutating func readString(_ field: String) throws -> [UInt8] {
        let length = try readUInt32("length of \(field)")
        guard Int(length) <= maximumStringLength else {
            throw malformed("\(field) claims \(length) bytes, more than the \(maximumStringLength) allowed")
        }
        return try readBytes(count: Int(length), field: field)
    }

    /// A `string` that must be valid UTF-8 text (names, principals, key IDs).
    public mutating func readText(_ field: String) throws -> String {
        let raw = try readString(field)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw malformed("\(field) is not valid UTF-8")
        }
        return text
    }

    /// An `mpint`: a two's complement big-endian integer in a string. Returns the magnitude
    /// bytes without the leading sign byte; negative values are rejected because nothing we
    /// read (key parameters, signature halves) may be negative.
    public mutating func readPositiveMPInt(_ field: String) throws -> [UInt8] {
        let raw = try readString(field)
        guard let first = raw.first else { return [] }
        guard first & 0x80 == 0 else { throw malformed("\(field) is a negative mpint") }
        if first == 0 {
            guard raw.count > 1, raw[1] & 0x80 != 0 else {
                throw malformed("\(field) is an mpint with an unnecessary leading zero byte")
            }
            return Array(raw.dropFirst())
        }
        return raw
    }

    /// Reads `count` raw bytes.
    public mutating func readBytes(count: Int, field: String) throws -> [UInt8] {
        guard count >= 0, count <= remainingCount else {
            throw malformed("truncated \(field) at offset \(offset): needs \(count) bytes, \(remainingCount) left")
        }
        let slice = bytes[offset..<offset + count]
        offset += count
        return Array(slice)
    }

    /// Throws unless every byte has been read: trailing data means we misunderstood the input.
    public func expectEnd() throws {
        guard isAtEnd else { throw malformed("\(remainingCount) unexpected trailing bytes") }
    }

    /// A `badParameter` error about this input.
    public func malformed(_ detail: String) -> JoinError {
        JoinError.badParameter("malformed \(context): \(detail)")
    }
}
