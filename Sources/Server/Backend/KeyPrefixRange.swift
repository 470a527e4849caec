/// The keys that start with a prefix, as the half-open range `[prefix, upperBound)` in the byte
/// order both backends sort keys in (SQLite's BINARY collation and PostgreSQL's `COLLATE "C"`
/// compare UTF-8 bytes, which orders strings as their Unicode scalars).
///
/// Without the upper bound a prefix scan starts at the prefix but runs to the end of the
/// table: every lock check (`/locks/`) read every node record (`/nodes/` sorts after it),
/// which made each heartbeat's cost grow with the fleet.
package struct KeyPrefixRange: Equatable {
    package let prefix: String
    /// The smallest string above every key with the prefix: the prefix with its last scalar
    /// replaced by the next one. Nil for an empty prefix, or one ending in U+10FFFF, which
    /// need no bound or cannot have one.
    package let upperBound: String?

    package init(_ prefix: String) {
        self.prefix = prefix
        var scalars = Array(prefix.unicodeScalars)
        guard let last = scalars.popLast(), let next = Self.scalar(after: last) else {
            upperBound = nil
            return
        }
        scalars.append(next)
        var bound = String.UnicodeScalarView()
        bound.append(contentsOf: scalars)
        upperBound = String(bound)
    }

    /// The next Unicode scalar, skipping the surrogate range.
    private static func scalar(after scalar: Unicode.Scalar) -> Unicode.Scalar? {
        var value = scalar.value + 1
        if (0xD800...0xDFFF).contains(value) { value = 0xE000 }
        return Unicode.Scalar(value)
    }
}
