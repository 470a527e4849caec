import Foundation
import JoinCore
import JoinMethodConformance
import TestSupport

/// The probe method as a conformance subject: stored `probe-…` tokens with a random key each,
/// single-use ones for the race.
struct ProbeSubject: ConformanceSubject {
    var flaw: ProbeJoinMethod.Flaw?
    /// Whether the method challenges (off: a method with nothing to replay or cancel).
    var challenges = true
    /// What the subject tells the kit; by default the truth.
    var declaredChallenges: ConformanceTraits.Challenges?
    /// Whether the subject offers expiry and a single-use case (off: they do not apply).
    var offersExpiryAndSingleUse = true

    let methodName = ProbeJoinMethod.methodName
    var registry: JoinMethodRegistry { JoinMethodRegistry(plugins: [.probe(flaw: flaw, challenges: challenges)]) }

    var traits: ConformanceTraits {
        ConformanceTraits(
            challenges: declaredChallenges ?? (challenges ? .everyJoin : .never(replayDefence: Self.replayDefence)),
            refusedRole: .proxy)
    }

    static let replayDefence = "the probe hello is accepted as often as it is sent, by design of this test method"
    static let noExpiry = "probe tokens in this test never expire"
    static let noSingleUse = "probe tokens in this test are all multi-use"

    func prepareValidJoin(in cluster: TestCluster) async throws -> ConformanceJoin {
        try await createToken(in: cluster, singleUse: false, ttl: 3600)
    }

    func prepareExpiredJoin(in cluster: TestCluster, clock: ManualClock) async throws -> ConformancePreparation<ConformanceJoin> {
        guard offersExpiryAndSingleUse else { return .notApplicable(Self.noExpiry) }
        let join = try await createToken(in: cluster, singleUse: false, ttl: 60)
        clock.advance(by: 61)
        return .prepared(join)
    }

    func prepareSingleUseRace(in cluster: TestCluster, clients: Int) async throws -> ConformancePreparation<[ConformanceJoin]> {
        guard offersExpiryAndSingleUse else { return .notApplicable(Self.noSingleUse) }
        let join = try await createToken(in: cluster, singleUse: true, ttl: 3600)
        return .prepared(Array(repeating: join, count: clients))
    }

    private func createToken(in cluster: TestCluster, singleUse: Bool, ttl: TimeInterval) async throws -> ConformanceJoin {
        let name = "probe-" + UUID().uuidString.lowercased()
        let key = UUID().uuidString + UUID().uuidString
        var token = ProvisionToken(name: name, roles: [.node], joinMethod: ProbeJoinMethod.methodName,
                                   expires: cluster.clock.now.addingTimeInterval(ttl))
        token.spec.methodSections["probe"] = .object(["key": .string(key), "single_use": .bool(singleUse)])
        _ = try await cluster.server.tokens.create(token, upsert: false)
        return ConformanceJoin(tokenName: name, role: .node, joinParams: .object(["key": .string(key)]))
    }
}
