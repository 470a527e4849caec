import Foundation
import TestSupport
import XCTest

/// The options and arguments of one `--help` page as swift-argument-parser lays them out: an
/// entry starts two spaces in (`  --ttl <ttl>   How long…`), its wrapped text continues on
/// deeper-indented lines. Only the `ARGUMENTS:` and `OPTIONS:` sections are read.
struct HelpOptionBlock: Equatable {
    /// `-o, --output <output>`.
    var names: String
    /// The help text, its lines joined with single spaces; empty when the option has none.
    var text: String

    /// The text without the `(default: …)` that swift-argument-parser appends itself.
    var ownText: String {
        text.replacingOccurrences(of: #"\s*\(default: [^)]*\)"#, with: "", options: .regularExpression)
            .trimmingCharacters(in: .whitespaces)
    }

    static func parse(_ help: String) -> [HelpOptionBlock] {
        var blocks: [HelpOptionBlock] = []
        var inSection = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if !line.hasPrefix(" ") && line.hasSuffix(":") {
                inSection = line == "ARGUMENTS:" || line == "OPTIONS:"
                continue
            }
            guard inSection, !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            if line.hasPrefix("  ") && !line.hasPrefix("   ") {
                let entry = line.dropFirst(2)
                if let gap = entry.range(of: "  ") {
                    blocks.append(HelpOptionBlock(names: String(entry[..<gap.lowerBound]),
                                                  text: entry[gap.upperBound...].trimmingCharacters(in: .whitespaces)))
                } else {
                    blocks.append(HelpOptionBlock(names: String(entry), text: ""))
                }
            } else if !blocks.isEmpty {
                let more = line.trimmingCharacters(in: .whitespaces)
                blocks[blocks.count - 1].text += (blocks[blocks.count - 1].text.isEmpty ? "" : " ") + more
            }
        }
        return blocks
    }
}

/// Every command path of a binary (`[]`, `["nodes"]`, `["nodes", "ls"]`, …), read from
/// swift-argument-parser's `--experimental-dump-help`, without its generated `help` command.
enum CommandTree {
    static func paths(of binary: URL) throws -> [[String]] {
        let dump = try Command.run(binary, ["--experimental-dump-help"])
        XCTAssertEqual(dump.status, 0, dump.combined)
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var paths: [[String]] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            paths.append(path)
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                guard let name = sub["commandName"] as? String, name != "help" else { continue }
                walk(sub, path + [name])
            }
        }
        walk(try XCTUnwrap(root["command"] as? [String: Any]), [])
        return paths
    }
}
