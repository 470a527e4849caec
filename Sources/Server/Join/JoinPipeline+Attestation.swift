import Foundation
import JoinCore
import JoineryProto

/// The method's part of a join, and the locks consulted once the client has proved itself.
extension JoinPipeline {
    /// Announces the method in `ServerInit` and lets it attest the client over the stream.
    func attest(_ join: AuthorizedJoin, over stream: any JoinStream, facts: AttemptFacts,
                effects: AttemptEffects) async throws -> Attestation {
        var serverInit = Joinery_V1_JoinResponse()
        serverInit.serverInit = .with {
            $0.joinMethod = join.method.name
            $0.clusterName = clusterName
            $0.signatureSuite = JoinPipeline.signatureSuite
        }
        try await stream.send(serverInit)

        let request = join.request
        let attempt = JoinAttempt(
            token: join.found.token, tokenRevision: join.found.revision, requestedRole: request.role,
            nodeName: request.displayName, remoteAddress: join.origin.clientAddress,
            initialPayload: request.methodPayload, startedAt: clock.now, presence: nodes, facts: facts,
            caller: join.caller, hostCaller: join.hostCaller,
            cluster: ClusterServices(clusterName: clusterName, jwt: authorities.jwt, signatureSuite: JoinPipeline.signatureSuite),
            effects: effects, keyBinding: request.keys.binding)
        let exchange = StreamChallengeExchange(stream: stream, maximumPayloadBytes: JoinPipeline.maximumPayloadBytes)
        return try await join.method.attest(attempt, over: exchange)
    }

    /// Locks are consulted only once the client has proved itself (spec §8.6), so an
    /// unauthenticated caller can neither probe them nor trigger them.
    func checkLocks(_ join: AuthorizedJoin, _ attestation: Attestation, presented: PeerIdentity?) async throws {
        var lockTargets: [LockTarget] = [.joinToken(join.found.token.metadata.name)]
        if let caller = join.caller { lockTargets.append(.botInstanceID(caller.instanceID)) }
        if case .new(let previous?) = attestation.bot?.instance ?? .automatic { lockTargets.append(.botInstanceID(previous)) }
        if case .host = join.request.subject, let hostID = attestation.hostID { lockTargets.append(.serverID(hostID)) }
        // An authenticated caller (not a forwarding proxy, checked earlier) is held to its locks
        // here as on every other call.
        if join.origin.forwardedBy == nil, let presented { lockTargets += presented.lockTargets }
        if let lock = try await locks.firstLock(targeting: lockTargets) {
            throw JoinError.accessDenied(lock.refusal(targetDisplay: lockDisplay(lock.target, token: join.found.token)))
        }
    }

    /// How a lock's target is named in a refusal: a token whose name is its secret is masked.
    private func lockDisplay(_ target: LockTarget, token: ProvisionToken) -> String {
        if case .joinToken = target { return tokens.displayName(token) }
        return UntrustedString.sanitize(target.value)
    }
}
