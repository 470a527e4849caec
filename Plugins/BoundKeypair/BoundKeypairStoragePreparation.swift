import JoinCore

/// What `tctl create` stores for a `bound_keypair` token: the spec as given, plus a server-owned
/// status that keeps a bot's binding when the same token is applied again (spec §1.6) and holds
/// the onboarding secret (§8.2).
enum BoundKeypairStoragePreparation {
    static func prepare(_ token: ProvisionToken, replacing existing: ProvisionToken?) throws -> ProvisionToken {
        let spec = try BoundKeypairTokenSpec(of: token)
        var status: BoundKeypairStatus
        if token.status?[BoundKeypairTokenSpec.sectionKey] != nil {
            // An administrator's explicit status (a counter reset, a restore) wins.
            status = try BoundKeypairStatus(of: token)
        } else if let existing, let kept = try? keptStatus(of: existing, for: token, spec: spec) {
            status = kept
        } else {
            status = BoundKeypairStatus()
        }
        populateRegistrationSecret(&status, spec: spec)
        return status.stored(in: token)
    }

    /// `existing`'s status when it is the same token re-applied: the same bot, roles and
    /// onboarding credentials. A changed credential starts over with a fresh status.
    private static func keptStatus(of existing: ProvisionToken, for token: ProvisionToken,
                                   spec: BoundKeypairTokenSpec) throws -> BoundKeypairStatus? {
        guard existing.spec.botName == token.spec.botName,
              Set(existing.spec.roles) == Set(token.spec.roles),
              try BoundKeypairTokenSpec(of: existing).onboarding == spec.onboarding,
              existing.status?[BoundKeypairTokenSpec.sectionKey] != nil else { return nil }
        return try BoundKeypairStatus(of: existing)
    }

    /// Spec §8.2: nothing when a key is bound or pre-registered or a secret is already set;
    /// otherwise the spec's secret, or 16 random bytes as hex.
    private static func populateRegistrationSecret(_ status: inout BoundKeypairStatus, spec: BoundKeypairTokenSpec) {
        guard status.boundPublicKey == nil, spec.onboarding.initialPublicKey == nil,
              status.registrationSecret == nil else { return }
        status.registrationSecret = spec.onboarding.registrationSecret ?? RandomHex.make(bytes: 16)
    }
}
