import Foundation
import JoinCore
import JoineryProto

/// The filters of `tctl audit ls` (`--method`, `--outcome`, `--since`, `--until`), checked and
/// turned into the request the Auth server filters by.
///
/// Parsing lives here rather than in the command so that every refusal — an unknown outcome, a
/// time that is neither RFC 3339 nor a duration — is tested without a cluster, and so that the
/// command itself only moves values around. The Auth server does the filtering (the limit then
/// counts matching events); this type only says what to ask for.
public struct AuditListFilter: Sendable, Equatable {
    /// Only events of this join method.
    public var method: String?
    /// Only successes (`true`) or only failures (`false`).
    public var success: Bool?
    /// Only events at or after this instant.
    public var since: Date?
    /// Only events strictly before this instant.
    public var until: Date?

    public init(method: String? = nil, success: Bool? = nil, since: Date? = nil, until: Date? = nil) {
        self.method = method
        self.success = success
        self.since = since
        self.until = until
    }

    /// Reads the flags as typed. A time is RFC 3339 (`2026-01-02T15:04:05Z`) or a duration
    /// that long before `now` (`90s`, `30m`, `1h`, `1h30m`, `72h`).
    ///
    /// - Throws: `.badParameter` naming the flag for an empty method, an outcome other than
    ///   `success`/`failure`, an unreadable time, or `--since` not before `--until`.
    public init(method: String?, outcome: String?, since: String?, until: String?, now: Date) throws {
        if let method {
            let trimmed = method.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else {
                throw JoinError.badParameter("--method needs a join method name such as token, ec2, iam or bound_keypair")
            }
            self.method = trimmed
        }
        if let outcome {
            switch outcome.lowercased() {
            case "success": success = true
            case "failure": success = false
            default:
                throw JoinError.badParameter("--outcome must be success or failure, not \"\(Self.display(outcome))\"")
            }
        }
        self.since = try since.map { try Self.time($0, flag: "--since", now: now) }
        self.until = try until.map { try Self.time($0, flag: "--until", now: now) }
        if let from = self.since, let to = self.until, from >= to {
            throw JoinError.badParameter(
                "--since (\(RFC3339.format(from))) must be before --until (\(RFC3339.format(to))): no event could match")
        }
    }

    /// The `ListAuditEvents` request for the newest `limit` matching events. Times go as whole
    /// unix seconds (rounded down).
    public func request(limit: Int32) -> Joinery_V1_ListAuditEventsRequest {
        .with {
            $0.limit = limit
            if let method { $0.method = method }
            if let success { $0.outcome = success ? .success : .failure }
            if let since { $0.sinceUnix = Int64(since.timeIntervalSince1970.rounded(.down)) }
            if let until { $0.untilUnix = Int64(until.timeIntervalSince1970.rounded(.down)) }
        }
    }

    /// An RFC 3339 instant, or a Go duration meaning that long before `now`.
    static func time(_ text: String, flag: String, now: Date) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = RFC3339.parse(trimmed) { return date }
        if let ago = try? GoDuration(parsing: trimmed), ago.seconds > 0 {
            return now.addingTimeInterval(-ago.seconds)
        }
        throw JoinError.badParameter(
            "\(flag) \"\(display(text))\" is neither an RFC 3339 time (2026-01-02T15:04:05Z) nor a duration ago (30m, 1h, 72h)")
    }

    /// What the user typed, shortened and without control characters, for a message.
    private static func display(_ text: String) -> String {
        String(text.prefix(64).unicodeScalars.map { $0.value < 32 || $0.value == 127 ? "?" : Character($0) })
    }
}
