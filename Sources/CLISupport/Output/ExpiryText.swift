import JoinCore
import Foundation

/// Expiry times as `tctl tokens ls` prints them: `30 Mar 23 18:15 UTC (2m8s)` — Go's
/// RFC 822 layout in UTC, then the time left rounded to whole seconds — or `never`.
public enum ExpiryText {
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `never` for no expiry or the Unix epoch (how static tokens are stored).
    public static func format(expires: Date?, now: Date) -> String {
        guard let expires, expires.timeIntervalSince1970 > 0 else { return "never" }
        let remaining = GoDurationText.format(seconds: expires.timeIntervalSince(now))
        return "\(rfc822(expires)) (\(remaining))"
    }

    /// `02 Jan 06 15:04 UTC`.
    public static func rfc822(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func twoDigits(_ value: Int?) -> String {
            let number = value ?? 0
            return number < 10 ? "0\(number)" : "\(number)"
        }
        let month = monthNames[(parts.month ?? 1) - 1]
        return "\(twoDigits(parts.day)) \(month) \(twoDigits((parts.year ?? 0) % 100)) " +
            "\(twoDigits(parts.hour)):\(twoDigits(parts.minute)) UTC"
    }
}

/// A duration spelt as Go's `time.Duration.String()` spells a whole number of seconds:
/// `0s`, `45s`, `2m8s`, `1h0m0s`, `-5s`.
public enum GoDurationText {
    /// Rounds to the nearest second (halves away from zero, as Go's `Round(time.Second)`).
    public static func format(seconds: Double) -> String {
        GoDuration(seconds: seconds).description
    }
}
