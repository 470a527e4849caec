/// Moves tctl's global flags from before the subcommand to after it, keeping their values.
enum GlobalFlagHoisting {
    static let flagsWithValue: Set<String> = ["-c", "--config", "--auth-server", "-i", "--identity"]
    static let switches: Set<String> = ["-d", "--debug"]
    /// Command groups nested two deep (`tctl bots instances ls`).
    static let nestedGroups: Set<[String]> = [["bots", "instances"]]

    static func reorder(_ arguments: [String]) -> [String] {
        var globals: [String] = []
        var rest: [String] = []
        var index = 0
        var seenCommand = false
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if !seenCommand && flagsWithValue.contains(name) {
                globals.append(argument)
                if !argument.contains("="), index + 1 < arguments.count {
                    globals.append(arguments[index + 1])
                    index += 1
                }
            } else if !seenCommand && switches.contains(argument) {
                globals.append(argument)
            } else {
                if !argument.hasPrefix("-") { seenCommand = true }
                rest.append(argument)
            }
            index += 1
        }
        guard !globals.isEmpty else { return arguments }
        // Globals go after the subcommand words (the leading run of non-option arguments).
        let commandWords = rest.prefix { !$0.hasPrefix("-") }
        let depth = nestedGroups.contains(Array(commandWords.prefix(2))) ? 3 : 2
        let commandLength = min(commandWords.count, depth)
        return Array(rest.prefix(commandLength)) + globals + Array(rest.dropFirst(commandLength))
    }
}
