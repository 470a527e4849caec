import Foundation
import JoinCore
import Yams

/// The text of a config file named with `-c/--config` (teleport.yaml, tbot.yaml), with errors
/// that name the file and say why it could not be read.
package enum ConfigFileText {
    package static func read(_ path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw JoinError.badParameter("\(path): cannot read the config file: \(FileErrorText.reason(error)); " +
                "check the path given with -c/--config")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw JoinError.badParameter("\(path): the config file is not UTF-8 text")
        }
        return text
    }
}

/// One line for a YAML syntax error: where it is and what the parser expected.
package enum YAMLSyntaxErrorText {
    package static func describe(_ error: any Error) -> String {
        guard let yamlError = error as? YamlError else { return "invalid YAML: \(error)" }
        switch yamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return "invalid YAML at line \(mark.line), column \(mark.column): \(problem)\(while_)"
        case let .reader(problem, _, _, _):
            return "invalid YAML: \(problem)"
        case let .duplicatedKeysInMapping(duplicates, context):
            return "invalid YAML at line \(context.mark.line): duplicate key(s) " +
                duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
        default:
            return "invalid YAML: \(yamlError)"
        }
    }
}
