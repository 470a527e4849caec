import Foundation

/// Dates as the backends store them: whole microseconds since 1970 in a 64-bit integer,
/// rounded to nearest so that a stored value converts back to the same integer.
///
/// Both backends keep `expires` this way (the precision PostgreSQL's `timestamptz` keeps too),
/// so the expiry filter is an exact, indexable integer comparison with the clock's `now`, and
/// an item a write returns equals the item a later read returns on either backend.
enum BackendTimestamp {
    static func microseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        // Clamp rather than trap on dates no clock produces (beyond ±292,000 years).
        if value.isNaN { return 0 }
        if value >= 9.2e18 { return Int64.max }
        if value <= -9.2e18 { return Int64.min }
        return Int64(value)
    }

    static func date(fromMicroseconds microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    /// `date` as a stored value would read it back.
    static func normalized(_ date: Date?) -> Date? {
        date.map { Self.date(fromMicroseconds: microseconds($0)) }
    }
}
