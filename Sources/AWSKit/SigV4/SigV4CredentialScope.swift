import Foundation

/// The `<yyyymmdd>/<region>/<service>/aws4_request` scope a SigV4 signature is bound to,
/// and the SigV4 timestamp format.
public struct SigV4CredentialScope: Sendable, Equatable, CustomStringConvertible {
    /// `yyyyMMdd` in UTC.
    public let day: String
    public let region: String
    public let service: String

    public init(day: String, region: String, service: String) {
        self.day = day
        self.region = region
        self.service = service
    }

    public init(date: Date, region: String, service: String) {
        self.init(day: String(SigV4Timestamp.format(date).prefix(8)), region: region, service: service)
    }

    public var description: String { "\(day)/\(region)/\(service)/aws4_request" }
}

/// SigV4's `yyyyMMdd'T'HHmmss'Z'` timestamps (the `X-Amz-Date` header), always UTC.
public enum SigV4Timestamp {
    public static func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(parts.year, 4) + pad(parts.month, 2) + pad(parts.day, 2) + "T"
            + pad(parts.hour, 2) + pad(parts.minute, 2) + pad(parts.second, 2) + "Z"
    }

    /// Parses an `X-Amz-Date` value; nil when it is not exactly that format.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard bytes[range].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            return Int(String(decoding: bytes[range], as: UTF8.self))
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }
}
