import CLISupport
import Foundation
import GRPCCore
import JoinCore
import JoineryProto

/// The join token for a new bot, or a new instance of an existing one (`tctl bots add`,
/// `tctl bots instances add`): the existing token named with `--token`, once
/// ``ExistingBotToken`` knows it admits the bot, or a new single-use `token`-method token,
/// which the caller stores once the rest has succeeded.
struct BotJoinToken {
    let token: ProvisionToken
    /// A token made here, not yet stored.
    let isNew: Bool

    static func choose<Transport: ClientTransport>(_ admin: Joinery_V1_AdminService.Client<Transport>, botName: String,
                                                   existing: String?, lifetime: TimeInterval) async throws -> BotJoinToken {
        guard let existing else {
            var token = ProvisionToken(name: TokenCreation.randomValue(), roles: [.bot], joinMethod: "token",
                                       expires: Date().addingTimeInterval(lifetime))
            token.spec.botName = botName
            return BotJoinToken(token: token, isNew: true)
        }
        let tokens = try await admin.listResources(.with { $0.kind = "token" }).resources
            .map { try JSONDecoder().decode(ProvisionToken.self, from: $0.resourceJson) }
        return BotJoinToken(token: try ExistingBotToken.find(existing, admitting: botName, among: tokens), isNew: false)
    }

    /// Stores the token if it is new.
    func storeIfNew<Transport: ClientTransport>(_ admin: Joinery_V1_AdminService.Client<Transport>) async throws {
        guard isNew else { return }
        let json = try JSONEncoder().encode(token)
        _ = try await admin.createResource(.with { $0.resourceJson = json })
    }

    /// What `tctl bots add` prints: the token, its expiry and a tbot.yaml for it.
    func instructions(status: Joinery_V1_StatusResponse) -> String {
        let minutes = token.metadata.expires.map { max(0, Int(($0.timeIntervalSinceNow / 60).rounded())) }
        let method = token.spec.joinMethod.isEmpty ? "token" : token.spec.joinMethod
        return BotAddOutput.instructions(token: token.metadata.name, joinMethod: method, ttlMinutes: minutes,
                                         authServer: status.advertiseAddr, caPins: status.authorities.flatMap(\.pins))
    }
}
