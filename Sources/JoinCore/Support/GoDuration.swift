/// Durations written as Teleport writes them (Go's `time.ParseDuration`): `5m`, `1h30m`,
/// `10m0s`, `90s`, `1.5h`, `300ms`. Used for `--ttl`, `aws_iid_ttl` and config intervals.
public struct GoDuration: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }

    public init(parsing text: String) throws {
        self.seconds = try GoDuration.parseSeconds(text)
    }

    /// Go's limit: a duration is an `Int64` count of nanoseconds, about 292 years. Larger values
    /// (and infinities) are refused when read, as Go refuses them; the spellings below convert
    /// to integers and could not represent them.
    private static let maximumNanoseconds = Double(Int64.max)

    private static func checkRange(_ seconds: Double, _ text: @autoclosure () -> String) throws -> Double {
        guard seconds.isFinite, abs(seconds) * 1e9 < maximumNanoseconds else {
            throw JoinError.badParameter("invalid duration \"\(text())\": out of range (at most about 292 years)")
        }
        return seconds
    }

    private static func parseSeconds(_ text: String) throws -> Double {
        let input = text.trimmingCharacters(in: .whitespaces)
        guard !input.isEmpty else { throw JoinError.badParameter("empty duration") }
        if input == "0" { return 0 }
        var total = 0.0
        var rest = Substring(input)
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else {
                throw JoinError.badParameter("invalid duration \"\(text)\": expected a number followed by a unit such as 30s, 5m or 1h")
            }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }) else {
                throw JoinError.badParameter("invalid duration \"\(text)\": missing or unknown unit (use ns, us, ms, s, m or h)")
            }
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        return try checkRange(total, text)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            // A bare number in JSON is nanoseconds, as Go encodes time.Duration.
            self.seconds = try GoDuration.checkRange(number / 1e9, "\(number)")
        } else {
            self.seconds = try GoDuration.parseSeconds(container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(exactDescription)
    }

    /// Go's spelling without rounding, for storage: `300ms`, `1.5s`, `1m30.25s`, `5m0s`.
    public var exactDescription: String {
        let nanoseconds = Int64((abs(seconds) * 1e9).rounded())
        if nanoseconds == 0 { return "0s" }
        let sign = seconds < 0 ? "-" : ""
        if nanoseconds < 1_000_000_000 {
            for (unit, size) in [("ms", Int64(1_000_000)), ("µs", Int64(1_000))] where nanoseconds % size == 0 {
                return "\(sign)\(nanoseconds / size)\(unit)"
            }
            return "\(sign)\(nanoseconds)ns"
        }
        let wholeSeconds = nanoseconds / 1_000_000_000
        let fraction = nanoseconds % 1_000_000_000
        var secondsText = "\(wholeSeconds % 60)"
        if fraction > 0 {
            var digits = String(format: "%09lld", fraction)
            while digits.hasSuffix("0") { digits.removeLast() }
            secondsText += "." + digits
        }
        let hours = wholeSeconds / 3600, minutes = (wholeSeconds % 3600) / 60
        if hours > 0 { return "\(sign)\(hours)h\(minutes)m\(secondsText)s" }
        if minutes > 0 { return "\(sign)\(minutes)m\(secondsText)s" }
        return "\(sign)\(secondsText)s"
    }

    /// Go's canonical spelling, rounded to seconds: `5m0s`, `1h0m0s`, `90s` → `1m30s`, `-2s`.
    public var description: String {
        let total = Int(seconds.rounded())
        if total == 0 { return "0s" }
        let sign = total < 0 ? "-" : ""
        var remaining = abs(total)
        let hours = remaining / 3600
        remaining %= 3600
        let minutes = remaining / 60
        let secs = remaining % 60
        if hours > 0 { return "\(sign)\(hours)h\(minutes)m\(secs)s" }
        if minutes > 0 { return "\(sign)\(minutes)m\(secs)s" }
        return "\(sign)\(secs)s"
    }
}

import Foundation

extension GoDuration {
    /// `30s`, `1.5s`, `700ms`: a delay for a log line, to a tenth of a second, as Go prints
    /// durations (a raw `Duration` prints as "0.2166… seconds").
    public static func spoken(_ delay: Duration) -> String {
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        return GoDuration(seconds: (seconds * 10).rounded() / 10).exactDescription
    }
}
