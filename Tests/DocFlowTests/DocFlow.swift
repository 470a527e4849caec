import Foundation

/// A guide read as a script: the steps its `<!-- test: … -->` markers ask for, in order.
///
/// A marker is an HTML comment on a line of its own, so readers never see it. Markers that take
/// a block apply to the fenced block right below them (blank lines may sit between):
///
/// | marker | the block below it |
/// |---|---|
/// | `run` / `run fails` | a shell script, run in the flow's shell; it must exit 0 (or, with `fails`, not 0) |
/// | `run each fails` | one command per line (comments aside), each run on its own and each expected to fail; their outputs are read as one |
/// | `start NAME until "TEXT"` | one long-running command (a server, a node), started in the background; the flow waits for TEXT in its output |
/// | `output` | must be the whole output of the last `run` or `sh` (see ``OutputPattern``) |
/// | `output contains` | its lines must appear, in order, in the output of the last `run` or `sh` |
/// | `output of NAME` | its lines must appear, in order, in the output of the background command NAME (waits for them) |
/// | `file PATH` | written to PATH (relative to the flow's working directory) |
/// | `file-matches PATH` | must be the content of PATH (as an `output` block) |
///
/// Markers without a block: `sh COMMAND` / `sh fails COMMAND` (a command the guide does not show,
/// for setup or to provoke an error the guide quotes), `wait NAME "TEXT"`, `stop NAME`,
/// `cleanup COMMAND` (run when the flow ends, however it ends: for what a guide starts that is
/// not a background command of the flow, such as a database), and, once
/// per guide, `ports 3025 3080` (each of these numbers in the guide, not part of a longer number
/// or an address, becomes a free port) and
/// `replace FROM TO` (e.g. `replace 0.0.0.0 127.0.0.1`, so that nothing listens beyond loopback).
struct DocFlow: Sendable {
    /// One thing the flow does, with the guide's line number for messages.
    struct Step: Sendable, Equatable {
        enum Action: Sendable, Equatable {
            case run(script: String, expectsFailure: Bool)
            case runEachFailing(commands: [String])
            case start(name: String, command: String, readyText: String)
            case output(pattern: String, whole: Bool)
            case outputOf(name: String, pattern: String)
            case writeFile(path: String, content: String)
            case fileMatches(path: String, pattern: String)
            case wait(name: String, text: String)
            case stop(name: String)
            case cleanup(command: String)
        }
        let action: Action
        let line: Int
    }

    let path: String
    let steps: [Step]
    /// Ports the guide uses, each replaced by a free one on every run.
    let ports: [Int]
    /// Literal replacements the guide asks for, applied to everything it runs or expects.
    let replacements: [(from: String, to: String)]

    /// A marker the harness cannot read, or a marker whose block is missing.
    struct ParseError: Error, CustomStringConvertible {
        let path: String
        let line: Int
        let message: String
        var description: String { "\(path):\(line): \(message)" }
    }

    static let markerPrefix = "<!-- test:"

    /// Reads every marker of `markdown` (the guide at `path`) into steps.
    static func parse(_ markdown: String, path: String) throws -> DocFlow {
        var steps: [Step] = [], ports: [Int] = [], replacements: [(String, String)] = []
        var pending: (marker: Marker, line: Int)?
        var fence: (line: Int, indent: Int, lines: [String])?
        func fail(_ line: Int, _ message: String) -> ParseError { ParseError(path: path, line: line, message: message) }

        for (index, line) in markdown.components(separatedBy: "\n").enumerated() {
            let number = index + 1
            let stripped = line.trimmingCharacters(in: .whitespaces)
            if var open = fence {
                if stripped == "```" {
                    fence = nil
                    if let waiting = pending {
                        steps.append(Step(action: waiting.marker.action(forBlock: open.lines.joined(separator: "\n")), line: waiting.line))
                        pending = nil
                    }
                } else {
                    // A block indented under a list item is read without that indentation.
                    let indent = line.prefix { $0 == " " }.count
                    open.lines.append(String(line.dropFirst(min(indent, open.indent))))
                    fence = open
                }
                continue
            }
            if stripped.hasPrefix("```") {
                fence = (number, line.prefix { $0 == " " }.count, [])
                continue
            }
            if stripped.hasPrefix(markerPrefix) {
                if let waiting = pending { throw fail(waiting.line, "the marker has no code block below it") }
                let marker = try Marker(parsing: stripped, fail: { fail(number, $0) })
                switch marker {
                case .ports(let list): ports += list
                case .replace(let from, let to): replacements.append((from, to))
                case .standalone(let action): steps.append(Step(action: action, line: number))
                default: pending = (marker, number)
                }
                continue
            }
            if !stripped.isEmpty, let waiting = pending {
                throw fail(waiting.line, "the marker must be followed by its code block; found text first")
            }
        }
        if let open = fence { throw fail(open.line, "the code block is not closed") }
        if let waiting = pending { throw fail(waiting.line, "the marker has no code block below it") }
        return DocFlow(path: path, steps: steps, ports: ports, replacements: replacements)
    }
}
