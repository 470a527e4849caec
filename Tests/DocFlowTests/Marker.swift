import Foundation

/// One `<!-- test: … -->` line of a guide, as ``DocFlow`` documents them.
enum Marker {
    case run(expectsFailure: Bool)
    case runEachFailing
    case start(name: String, readyText: String)
    case output(whole: Bool)
    case outputOf(name: String)
    case file(path: String)
    case fileMatches(path: String)
    case standalone(DocFlow.Step.Action)
    case ports([Int])
    case replace(from: String, to: String)

    init(parsing line: String, fail: (String) -> Error) throws {
        guard line.hasSuffix("-->") else { throw fail("a test marker must end with --> on the same line") }
        let body = line.dropFirst(DocFlow.markerPrefix.count).dropLast(3).trimmingCharacters(in: .whitespaces)
        let verb = body.prefix { !$0.isWhitespace }
        let rest = body.dropFirst(verb.count).trimmingCharacters(in: .whitespaces)
        let words = rest.split(whereSeparator: \.isWhitespace).map(String.init)
        switch verb {
        case "run" where rest.isEmpty || rest == "fails":
            self = .run(expectsFailure: rest == "fails")
        case "run" where rest == "each fails":
            self = .runEachFailing
        case "start":
            guard let name = words.first, words.count >= 3, words[1] == "until", let text = Marker.quoted(rest) else {
                throw fail("expected start NAME until \"TEXT\"")
            }
            self = .start(name: name, readyText: text)
        case "output" where rest.isEmpty || rest == "contains":
            self = .output(whole: rest.isEmpty)
        case "output" where words.count == 2 && words[0] == "of":
            self = .outputOf(name: words[1])
        case "file" where words.count == 1:
            self = .file(path: words[0])
        case "file-matches" where words.count == 1:
            self = .fileMatches(path: words[0])
        case "sh" where !rest.isEmpty:
            let fails = words.first == "fails"
            let command = fails ? String(rest.dropFirst("fails".count)).trimmingCharacters(in: .whitespaces) : rest
            self = .standalone(.run(script: command, expectsFailure: fails))
        case "wait":
            guard let name = words.first, let text = Marker.quoted(rest) else { throw fail("expected wait NAME \"TEXT\"") }
            self = .standalone(.wait(name: name, text: text))
        case "cleanup" where !rest.isEmpty:
            self = .standalone(.cleanup(command: rest))
        case "stop" where words.count == 1:
            self = .standalone(.stop(name: words[0]))
        case "ports" where !words.isEmpty:
            let ports = words.compactMap { Int($0) }
            guard ports.count == words.count else { throw fail("ports takes port numbers: \(rest)") }
            self = .ports(ports)
        case "replace" where words.count == 2:
            self = .replace(from: words[0], to: words[1])
        default:
            throw fail("unknown test marker \"\(body)\"; see Tests/DocFlowTests/DocFlow.swift for the markers")
        }
    }

    /// The step this marker makes of the code block below it.
    func action(forBlock block: String) -> DocFlow.Step.Action {
        switch self {
        case .run(let fails): .run(script: block, expectsFailure: fails)
        case .runEachFailing: .runEachFailing(commands: block.components(separatedBy: "\n").filter {
            let line = $0.trimmingCharacters(in: .whitespaces)
            return !line.isEmpty && !line.hasPrefix("#")
        })
        case .start(let name, let text): .start(name: name, command: block, readyText: text)
        case .output(let whole): .output(pattern: block, whole: whole)
        case .outputOf(let name): .outputOf(name: name, pattern: block)
        case .file(let path): .writeFile(path: path, content: block)
        case .fileMatches(let path): .fileMatches(path: path, pattern: block)
        case .standalone(let action): action
        case .ports, .replace: preconditionFailure("takes no block")
        }
    }

    /// The text between the first pair of double quotes.
    private static func quoted(_ text: String) -> String? {
        let parts = text.split(separator: "\"", omittingEmptySubsequences: false)
        return parts.count >= 3 ? String(parts[1]) : nil
    }
}
