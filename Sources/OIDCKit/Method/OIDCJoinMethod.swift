import Foundation
import JoinCore
import Logging

/// The server half every OIDC join method shares: read the token's section through the
/// profile, verify the ID token the joiner sent in `ClientInit` against the issuer the section
/// trusts, record the verified claims, and match the allow rules.
///
/// There is no challenge: the proof is the platform-signed ID token itself, as in Teleport. It
/// is good until it expires (at most ``TokenTimePolicy/maximumAge`` after it was issued) and
/// may be presented more than once within that time (a bot renews by joining again with the
/// job's token), so it must be kept like a short-lived secret; the joiner sends it only over
/// the pinned TLS connection to the Auth server.
public struct OIDCJoinMethod<Profile: OIDCJoinProfile>: JoinMethod {
    public var name: String { Profile.methodName }
    let keyCache: KeySetCache
    let verifier: IDTokenVerifier
    let clock: any JoinClock
    let environment: [String: String]

    public init(context: PluginContext, policy: KeySetCachePolicy = KeySetCachePolicy(), timePolicy: TokenTimePolicy? = nil) {
        keyCache = KeySetCache(clock: context.clock, policy: policy, logger: context.logger)
        verifier = IDTokenVerifier(policy: timePolicy ?? Profile.timePolicy)
        clock = context.clock
        environment = context.environment
        let variable = IssuerContext.overrideVariable(method: Profile.methodName)
        if Profile.hasFixedIssuer, let override = environment[variable], !override.isEmpty {
            context.logger.warning("the \(Profile.methodName) join method trusts another issuer than the platform's: \(variable)=\(override)")
        }
    }

    public var tokenSpecSections: Set<String> { [Profile.sectionKey] }

    public func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        var validated = token
        validated.spec.methodSections[Profile.sectionKey] = try Self.section(of: token).json
        return validated
    }

    public func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        let token = attempt.token
        guard token.spec.joinMethod == name else {
            throw JoinError.accessDenied("this token does not support the \(name) join method (its join_method is \(UntrustedString.quoted(token.spec.joinMethod)))")
        }
        let section = try Self.section(of: token)
        let context = IssuerContext(clusterName: attempt.cluster.clusterName, environment: environment)
        let choice = try Profile.issuer(of: section, context: context)
        attempt.facts.record("oidc_issuer", choice.issuer)
        guard !attempt.initialPayload.isEmpty else {
            throw JoinError.badParameter("the join request carries no ID token: the joiner must send its \(name) ID token in ClientInit (upgrade the client)")
        }
        guard let idToken = String(data: attempt.initialPayload, encoding: .utf8) else {
            throw JoinError.badParameter("the ID token is not UTF-8 text")
        }
        let verified: VerifiedClaims
        if let reviewed = try await Profile.verify(idToken, section: section, context: context) {
            verified = reviewed
        } else {
            verified = try await verifier.verify(idToken, trust: try trust(choice), now: clock.now)
        }
        attempt.facts.record(verified.auditFacts(section.auditedClaims))
        let claims = try Profile.inspect(verified, section: section)
        attempt.facts.record(claims.auditFacts(section.auditedClaims))
        if case .failure(let mismatch) = ClaimRule.firstMatch(section.rules, claims) {
            throw JoinError.accessDenied("\(Profile.noMatch(claims, section: section)) in token \(token.metadata.name) (\(mismatch.reasons.joined(separator: "; ")) did not match)")
        }
        return Attestation()
    }

    private func trust(_ choice: IssuerChoice) throws -> IssuerTrust {
        let keys: IssuerKeys
        if let jwks = choice.staticJWKS {
            keys = .fixed(try KeySet(jwks: Array(jwks.utf8)))
        } else {
            let http = OIDCHTTPClient(environment: environment, trustedRootsPEM: choice.trustedRootsPEM, allowsHTTP: choice.allowsHTTP)
            keys = .discovered(keyCache, http)
        }
        return IssuerTrust(issuer: choice.issuer, keys: keys, audience: choice.audience, checksIssuer: choice.checksIssuer)
    }

    static func section(of token: ProvisionToken) throws -> Profile.Section {
        guard let value = token.spec.methodSections[Profile.sectionKey] else {
            throw JoinError.badParameter(Profile.missingSection)
        }
        return try Profile.section(value)
    }
}
