import Foundation

/// The client half of a join method: produces the proof the server half checks.
///
/// The join client picks a prover by the method configured in `join_params.method`, sends
/// ``initialPayload(for:)`` inside `ClientInit`, then answers each challenge with
/// ``answer(_:for:)`` until the server sends the result. A prover is made for one join, so it
/// may keep state between rounds.
public protocol JoinProver: Sendable {
    /// The method name this prover speaks.
    var name: String { get }

    /// Bytes for `ClientInit.method_payload` (e.g. the EC2 identity document); may be empty.
    func initialPayload(for request: ProofRequest) async throws -> Data

    /// The solution to one server challenge.
    func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data

    // MARK: Rarely needed (token: accepts; bound_keypair: finish)

    /// True when the server's chosen method (from `ServerInit`) is one this prover can follow.
    func accepts(serverMethod: String) -> Bool

    /// Receives `JoinResult.method_result` once the join succeeded (e.g. to store a new join
    /// state); called before the caller stores the new identity.
    func finish(methodResult: Data, for request: ProofRequest) async throws

    /// True when a process that already holds an identity should still prove itself again each
    /// time it starts, presenting that identity (bound_keypair: the proof lives in the
    /// machine, and proving it moves the join state on, so a copy started elsewhere is caught).
    var provesAgainAtStart: Bool { get }
}

extension JoinProver {
    public func accepts(serverMethod: String) -> Bool { serverMethod == name }
    public func initialPayload(for request: ProofRequest) async throws -> Data { Data() }
    public func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        throw JoinError.badParameter("join method \(name) does not expect a challenge")
    }
    public func finish(methodResult: Data, for request: ProofRequest) async throws {}
    public var provesAgainAtStart: Bool { false }
}

/// What the join client tells a prover about the join it is making.
public struct ProofRequest: Sendable {
    public var tokenName: String
    public var role: SystemRole
    public var nodeName: String
    /// The binding of the public keys this join asks to have certified (see ``KeyBinding``).
    /// A method with a live proof signs it into its answer; the join client always sets it.
    /// `nil` only where no keys exist yet (tests of a prover alone).
    public var keyBinding: KeyBinding?

    public init(tokenName: String, role: SystemRole, nodeName: String, keyBinding: KeyBinding? = nil) {
        self.tokenName = tokenName
        self.role = role
        self.nodeName = nodeName
        self.keyBinding = keyBinding
    }
}
