/// A section of the joining side's settings that a plugin's prover reads: under
/// `teleport.join_params` in teleport.yaml and under `onboarding` in tbot.yaml (the `iam:` and
/// `bound_keypair:` sections). Strict config parsing accepts the key only because a plugin
/// declared it, and ``check`` runs when the file is read, so a mistake stops the process before
/// it dials anything. The prover finds the section, as written, in
/// ``ProverContext/joinParams``.
public struct JoinParamsSection: Sendable {
    /// The section's key (`bound_keypair`).
    public let key: String
    /// Parses the section as the prover will, throwing the prover's own error. `path` is where
    /// the section sits in its file (`["onboarding", "bound_keypair"]`); messages name it
    /// dotted, and the caller adds the file's name.
    public let check: @Sendable (_ section: JSONValue, _ path: [String]) throws -> Void

    public init(key: String, check: @escaping @Sendable (_ section: JSONValue, _ path: [String]) throws -> Void) {
        self.key = key
        self.check = check
    }
}
