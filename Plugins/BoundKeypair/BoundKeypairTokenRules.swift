import JoinCore

/// The `bound_keypair` checks of `tctl create` (spec §1.3, §8.1): bots only, a bot name, a
/// well-formed `spec.bound_keypair` written back normalised, and a readable status if one is
/// given.
enum BoundKeypairTokenRules {
    static func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        guard token.spec.roles == [.bot] else {
            let roles = token.spec.roles.map(\.rawValue).joined(separator: ",")
            throw JoinError.badParameter(
                "the bound_keypair join method only supports the Bot role: spec.roles must be [Bot], got [\(roles)]")
        }
        guard !token.spec.botName.isEmpty else {
            throw JoinError.badParameter("the bound_keypair join method requires spec.bot_name: the bot this token joins")
        }
        let section = try BoundKeypairTokenSpec(of: token)
        _ = try BoundKeypairStatus(of: token)
        var validated = token
        validated.spec.methodSections[BoundKeypairTokenSpec.sectionKey] = section.json
        return validated
    }
}
