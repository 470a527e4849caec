import Foundation

extension ProvisionToken {
    /// The method-independent rules of spec §1.3 (steps 1–3). Method-specific
    /// checks follow in the method's own ``JoinMethod/validate(_:)``; use
    /// ``JoinMethodSet/validate(_:)`` to run both.
    public func checkedCommonFields() throws -> ProvisionToken {
        var token = self
        token.kind = "token"
        token.version = "v2"
        guard !token.metadata.name.isEmpty else {
            throw JoinError.badParameter("missing parameter metadata.name")
        }
        guard !token.spec.roles.isEmpty else {
            throw JoinError.badParameter("provisioning token is missing roles")
        }
        try SystemRole.checkGrantableByToken(token.spec.roles)
        var seen = Set<SystemRole>()
        for role in token.spec.roles where !seen.insert(role).inserted {
            throw JoinError.badParameter("duplicate role \"\(role)\"")
        }
        let isBot = token.spec.roles.contains(.bot)
        if isBot && token.spec.botName.isEmpty {
            throw JoinError.badParameter("token with role \"Bot\" must set bot_name")
        }
        if !isBot && !token.spec.botName.isEmpty {
            throw JoinError.badParameter("can only set bot_name on token with role \"Bot\"")
        }
        return token
    }
}
