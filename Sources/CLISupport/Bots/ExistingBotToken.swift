import Foundation
import JoinCore

/// `tctl bots add NAME --token=EXISTING`: the checks Teleport makes before a bot is created
/// for a token that already exists, so that the bot is not created when the token cannot
/// admit it. Each refusal names the token and what to do.
public enum ExistingBotToken {
    /// The refusal when no token of that name exists (`token` is nil), else nil when `token`
    /// may admit bot `botName`: it allows role Bot and names this bot.
    public static func refusal(for token: ProvisionToken?, named name: String, botName: String) -> JoinError? {
        guard let token else {
            return .notFound("token with name \(quoted(name)) not found, create the token or do not set --token")
        }
        guard token.spec.roles.contains(.bot) else {
            return .badParameter("token \(quoted(name)) is not valid for role \"Bot\"")
        }
        guard token.spec.botName == botName else {
            return .badParameter("token \(quoted(name)) is valid for bot \(quoted(token.spec.botName)), not \(quoted(botName))")
        }
        return nil
    }

    /// The token `name` among `tokens`, or the refusal of ``refusal(for:named:botName:)``.
    public static func find(_ name: String, admitting botName: String, among tokens: [ProvisionToken]) throws -> ProvisionToken {
        let token = tokens.first { $0.metadata.name == name }
        if let refusal = refusal(for: token, named: name, botName: botName) { throw refusal }
        return token!
    }

    private static func quoted(_ text: String) -> String { UntrustedString.quoted(text) }
}
