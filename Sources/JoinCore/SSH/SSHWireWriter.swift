/// Writes the SSH wire encoding (RFC 4251 §5), the counterpart of ``SSHWireReader``.
///
/// Used to build public key blobs, certificates and OpenSSH private key files byte for byte
/// as OpenSSH writes them.
public struct SSHWireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    public mutating func writeUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    public mutating func writeUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    public mutating func writeBoolean(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// A `string`: uint32 length then the bytes.
    public mutating func writeString<Bytes: Collection>(_ value: Bytes) where Bytes.Element == UInt8 {
        writeUInt32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` holding UTF-8 text.
    public mutating func writeString(_ text: String) {
        writeString(Array(text.utf8))
    }

    /// An `mpint` from a non-negative big-endian magnitude: leading zeros are stripped and a
    /// zero byte is added when the high bit is set, so the value stays positive.
    public mutating func writePositiveMPInt<Bytes: Collection>(_ magnitude: Bytes) where Bytes.Element == UInt8 {
        var trimmed = Array(magnitude.drop { $0 == 0 })
        if let first = trimmed.first, first & 0x80 != 0 { trimmed.insert(0, at: 0) }
        writeString(trimmed)
    }

    /// Raw bytes with no length prefix.
    public mutating func writeRaw<Bytes: Collection>(_ value: Bytes) where Bytes.Element == UInt8 {
        bytes.append(contentsOf: value)
    }
}
