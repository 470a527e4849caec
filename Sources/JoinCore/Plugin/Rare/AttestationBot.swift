extension Attestation {
    /// What a bot join's certificates belong to (token, bound_keypair).
    public struct Bot: Sendable, Equatable {
        /// Which bot instance the certificates continue or start.
        public var instance: BotInstanceChoice
        /// Whether the bot may renew these certificates without joining again (token-method
        /// bots, spec §2.5); renewals are held to the generation counter.
        public var renewable: Bool

        public init(instance: BotInstanceChoice = .automatic, renewable: Bool = false) {
            self.instance = instance
            self.renewable = renewable
        }
    }
}
