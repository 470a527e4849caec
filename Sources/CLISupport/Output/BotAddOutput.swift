import CLIKit

/// What `tctl bots add` prints: the bot's token and a tbot.yaml that works as printed.
///
/// The tbot.yaml names an `identity` service: without one, `tbot start` joins, keeps its own
/// identity in `storage` and writes nothing another program could use, which is the first thing
/// a newcomer copying the example would run into.
public enum BotAddOutput {
    /// Where the printed tbot.yaml writes the bot's identity (the directory Teleport's guides use).
    public static let identityDirectory = TbotOutput.exampleIdentityDirectory

    /// The token lines, the tbot.yaml (indented two spaces) and the command to run it.
    /// `ttlMinutes` nil: the token does not expire. A token of another join method than
    /// `token` (one given with `--token`) gets its method in the yaml and a pointer to the
    /// method's own onboarding settings.
    public static func instructions(token: String, joinMethod: String = "token", ttlMinutes: Int?, authServer: String,
                                    caPins: [String]) -> String {
        var lines = [
            "The bot token: \(token)",
            ttlMinutes.map { "This token will expire in \($0) minutes." } ?? "This token does not expire.",
            "",
            "Join with tbot.yaml:",
            "",
        ]
        lines += tbotYAML(token: token, joinMethod: joinMethod, authServer: authServer, caPins: caPins).map { "  " + $0 }
        lines += [""]
        if joinMethod != "token" {
            lines += ["Add what the \(joinMethod) method needs under onboarding (see docs/join-methods/\(joinMethod).md)."]
        }
        lines += ["Then run `tbot start -c tbot.yaml`: it joins and writes the bot's identity to \(identityDirectory)."]
        return lines.map { $0 + "\n" }.joined()
    }

    /// The tbot.yaml: the Auth server, the token pinned to the cluster's CA, the bot's storage
    /// and one identity service.
    public static func tbotYAML(token: String, joinMethod: String = "token", authServer: String, caPins: [String]) -> [String] {
        [
            "version: v2",
            "auth_server: \(YAMLScalarText.scalar(authServer))",
            "onboarding:",
            "  join_method: \(YAMLScalarText.scalar(joinMethod))",
            "  token: \(YAMLScalarText.scalar(token))",
            "  ca_pins: [\(caPins.map(YAMLScalarText.quoted).joined(separator: ", "))]",
            "storage:",
            "  type: directory",
            "  path: \(TbotFlags.defaultStorage)",
            "services:",
            "  - type: identity",
            "    destination:",
            "      type: directory",
            "      path: \(identityDirectory)",
        ]
    }
}
