import Foundation
import JoinCore

/// The join state document (spec §8.6): a JWT the cluster's bound-keypair CA signs after every
/// successful join and the client presents on the next one. Its `recovery_sequence` and
/// `bot_instance_id` (a bot's) or `host_id` (an agent's) must match the token's status, so a
/// copy of the keypair used elsewhere (which cannot hold the newest join state) is detected on
/// its next join.
struct JoinState: Sendable, Equatable {
    /// How far `nbf` may be ahead of the verifier's clock.
    static let leeway: TimeInterval = 60
    static let notBeforeSkew: Int64 = 10

    var claims: JoinStateClaims

    /// Signs a join state for `subject` after a join committed `status` for `instance` (the
    /// bot instance, or the host ID).
    static func issue(cluster: ClusterServices, subject: BoundKeypairSubject, instance: String,
                      status: BoundKeypairStatus, recovery: BoundKeypairTokenSpec.Recovery, now: Date) throws -> String {
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        var claims = JoinStateClaims(
            iss: cluster.clusterName, aud: [cluster.clusterName], sub: subject.claimSubject, iat: issuedAt,
            nbf: issuedAt - notBeforeSkew, botInstanceID: nil, recoverySequence: status.recoveryCount,
            recoveryLimit: recovery.limit, recoveryMode: recovery.mode.rawValue)
        switch subject {
        case .bot: claims.botInstanceID = instance
        case .host:
            claims.hostID = instance
            claims.hostGeneration = status.boundHostGeneration
        }
        return try cluster.jwt.sign(claims: BoundKeypairMessages.encode(claims))
    }

    /// Why a join state was refused (for the audit event and the lock's reason).
    struct Failure: Error, Equatable {
        let reason: String
    }

    /// Verifies `token` with the cluster's CA, then its claims against the token's subject and
    /// status. Expiry is not checked: a join state has none.
    static func verify(_ token: String, cluster: ClusterServices, subject: BoundKeypairSubject,
                       status: BoundKeypairStatus, now: Date) throws -> JoinState {
        let payload: Data
        do {
            payload = try cluster.jwt.verify(token)
        } catch let error as JoinError {
            throw Failure(reason: error.message)
        }
        let claims: JoinStateClaims
        do {
            claims = try JSONDecoder().decode(JoinStateClaims.self, from: payload)
        } catch {
            throw Failure(reason: "the join state's claims are malformed: \(DecodingErrorDescription.describe(error))")
        }
        guard claims.iss == cluster.clusterName else { throw Failure(reason: "invalid issuer claim") }
        guard claims.aud.values.contains(cluster.clusterName) else { throw Failure(reason: "invalid audience claim") }
        guard claims.sub == subject.claimSubject else { throw Failure(reason: "invalid subject claim") }
        if let notBefore = claims.nbf, now.timeIntervalSince1970 < Double(notBefore) - leeway {
            throw Failure(reason: "the join state is not valid yet")
        }
        guard claims.recoverySequence == status.recoveryCount else { throw Failure(reason: "recovery counter mismatch") }
        switch subject {
        case .bot:
            guard claims.hostID == nil, claims.botInstanceID == status.boundBotInstanceID else { throw Failure(reason: "bot instance mismatch") }
        case .host:
            guard claims.botInstanceID == nil, claims.hostID == status.boundHostID else { throw Failure(reason: "host ID mismatch") }
            guard claims.hostGeneration == status.boundHostGeneration else { throw Failure(reason: "host generation mismatch") }
        }
        return JoinState(claims: claims)
    }
}

/// The claims of a join state: a bot's carries `bot_instance_id`, an agent's `host_id` and
/// `host_generation`.
/// `recovery_limit` and `recovery_mode` are informational.
struct JoinStateClaims: Codable, Equatable, Sendable {
    var iss: String
    var aud: Audience
    var sub: String
    var iat: Int64?
    var nbf: Int64?
    var botInstanceID: String?
    var hostID: String?
    /// An agent's ``BoundKeypairStatus/boundHostGeneration`` after the join that issued it.
    var hostGeneration: UInt64?
    var recoverySequence: UInt32
    var recoveryLimit: UInt32?
    var recoveryMode: String?

    init(iss: String, aud: [String], sub: String, iat: Int64, nbf: Int64, botInstanceID: String?,
         recoverySequence: UInt32, recoveryLimit: UInt32, recoveryMode: String) {
        self.iss = iss
        self.aud = .many(aud)
        self.sub = sub
        self.iat = iat
        self.nbf = nbf
        self.botInstanceID = botInstanceID
        self.recoverySequence = recoverySequence
        self.recoveryLimit = recoveryLimit
        self.recoveryMode = recoveryMode
    }

    enum CodingKeys: String, CodingKey {
        case iss, aud, sub, iat, nbf
        case botInstanceID = "bot_instance_id", hostID = "host_id", hostGeneration = "host_generation", recoverySequence = "recovery_sequence"
        case recoveryLimit = "recovery_limit", recoveryMode = "recovery_mode"
    }
}
