import ArgumentParser

/// `teleport version`, `tctl version` and `tbot version`: one command for the three binaries,
/// printing the same line (``JoineryVersion/banner``), as Teleport's three do, so a bug report
/// or a script reads the version the same way whichever binary it asked.
public struct VersionCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    public init() {}

    public func run() {
        print(JoineryVersion.banner)
    }
}
