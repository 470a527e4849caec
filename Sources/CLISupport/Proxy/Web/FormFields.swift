import Foundation

/// An `application/x-www-form-urlencoded` body, as an HTML form posts it.
struct FormFields {
    let values: [String: String]

    init(_ body: [UInt8]) {
        var values: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.map(String.init).flatMap(Self.decode) else { continue }
            values[name] = parts.count > 1 ? Self.decode(String(parts[1])) ?? "" : ""
        }
        self.values = values
    }

    subscript(name: String) -> String { values[name] ?? "" }

    private static func decode(_ text: String) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
