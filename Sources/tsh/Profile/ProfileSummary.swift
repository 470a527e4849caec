import Foundation

/// The block `tsh login` and `tsh status` print, in Teleport's layout.
enum ProfileSummary {
    static func render(_ profile: TshProfile, extensions: [String], now: Date = Date()) -> String {
        let remaining = profile.expires.timeIntervalSince(now)
        let validity = remaining > 0 ? "valid for \(duration(remaining))" : "EXPIRED"
        let rows: [(String, String)] = [
            ("Profile URL:", "https://\(profile.proxy)"),
            ("Logged in as:", profile.user),
            ("Cluster:", profile.cluster),
            ("Roles:", profile.roles.joined(separator: ", ")),
            ("Logins:", profile.logins.joined(separator: ", ")),
            ("Kubernetes:", "disabled"),
            ("Valid until:", "\(timestamp(profile.expires)) [\(validity)]"),
            ("Extensions:", extensions.filter { $0.hasPrefix("permit-") }.sorted().joined(separator: ", ")),
        ]
        return rows.enumerated().map { index, row in
            (index == 0 ? "> " : "  ") + row.0.padding(toLength: 20, withPad: " ", startingAt: 0) + row.1
        }.joined(separator: "\n") + "\n"
    }

    /// `2026-12-07 12:00:00 +0000 UTC`, as Go prints times.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss Z zzz"
        return formatter.string(from: date)
    }

    /// `12h0m0s`, as Go prints durations (whole seconds).
    static func duration(_ interval: TimeInterval) -> String {
        let seconds = Int(interval.rounded())
        let hours = seconds / 3600, minutes = (seconds % 3600) / 60, rest = seconds % 60
        if hours > 0 { return "\(hours)h\(minutes)m\(rest)s" }
        if minutes > 0 { return "\(minutes)m\(rest)s" }
        return "\(rest)s"
    }
}
