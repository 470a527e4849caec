import JoinCore

/// Who a `bound_keypair` token joins: one bot (a token whose roles are `[Bot]`, naming it in
/// `bot_name`), or one host — an agent running Node, Proxy or other services (Teleport 18.8+).
///
/// The rules are the same for both; what differs is what the token is bound to besides the
/// key: a bot instance (``BoundKeypairStatus/boundBotInstanceID``) or a host ID
/// (``BoundKeypairStatus/boundHostID``), and so what the join state names.
enum BoundKeypairSubject: Sendable, Equatable {
    case bot(name: String)
    case host(tokenName: String)

    init(of token: ProvisionToken) {
        self = token.spec.roles == [.bot] ? .bot(name: token.spec.botName) : .host(tokenName: token.metadata.name)
    }

    /// The join state's `sub`: the bot's name, or for a host the token's name (a host has no
    /// other name the token knows).
    var claimSubject: String {
        switch self {
        case .bot(let name): name
        case .host(let tokenName): tokenName
        }
    }

    var isBot: Bool {
        if case .bot = self { return true }
        return false
    }

    /// The bot's name; empty for a host.
    var botName: String {
        if case .bot(let name) = self { return name }
        return ""
    }

    /// What the token is bound to besides its key, as stored in its status.
    func boundInstance(in status: BoundKeypairStatus) -> String? {
        switch self {
        case .bot: status.boundBotInstanceID
        case .host: status.boundHostID
        }
    }

    /// The subject's fields in the method's audit events.
    var auditFields: [String: String] {
        switch self {
        case .bot(let name): ["bot_name": name]
        case .host: [:]
        }
    }
}
