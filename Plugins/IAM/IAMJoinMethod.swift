import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore

/// The `iam` join method (spec §7): a node proves its AWS identity by signing, with its own
/// credentials, an `sts:GetCallerIdentity` request that carries this attempt's challenge;
/// the Auth server checks the request, forwards it to STS, and matches the account and ARN
/// STS answers with against the token's allow rules.
///
/// The work is split by trust boundary: ``SignedHTTPRequest`` parses the node's bytes,
/// ``STSIdentityRequestChecks`` decides whether they may leave the Auth server at all,
/// ``STSIdentityForwarder`` asks AWS, and ``Glob`` matches the answer against `aws_arn`. The host ID is left to
/// the pipeline (a new UUID per join), as in Teleport's new join service.
public struct IAMJoinMethod: JoinMethod {
    public static let methodName = "iam"

    /// An HTTP client that never follows redirects: the Auth server talks to the allow-listed
    /// STS host (or the operator's endpoint) and to nobody that host points elsewhere.
    static let defaultHTTPClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    public let name = IAMJoinMethod.methodName
    let allowList: Result<STSHostAllowList, JoinError>
    let fipsOnly: Bool
    let forwarder: STSIdentityForwarder

    /// - Parameters:
    ///   - environment: the Auth server's environment (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`).
    ///   - httpClient: for the STS call; by default one that does not follow redirects.
    public init(context: PluginContext, environment: [String: String] = ProcessInfo.processInfo.environment,
                httpClient: HTTPClient? = nil) throws {
        let settings = try AWSJoinSettings(authService: context.authService)
        fipsOnly = settings.fips
        allowList = STSHostAllowList.bundled
        forwarder = try STSIdentityForwarder(httpClient: httpClient ?? Self.defaultHTTPClient, environment: environment)
        if case .failure(let error) = allowList {
            context.logger.error("the iam join method cannot accept joins: \(error.message)")
        }
    }

    public var tokenSpecSections: Set<String> { IAMTokenRules.sections }

    public func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        try IAMTokenRules.validate(token)
    }

    public func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        guard attempt.token.spec.joinMethod == name else { throw IAMErrors.wrongTokenMethod(attempt.token.spec.joinMethod) }
        guard let keyBinding = attempt.keyBinding else { throw IAMErrors.noKeyBinding }
        let checks = STSIdentityRequestChecks(allowList: try allowList.get(), fipsOnly: fipsOnly)

        let challenge = IAMChallenge.random()
        let solution = try await exchange.challenge(Data(challenge.value.utf8))
        let request = try SignedHTTPRequest.parse(Array(solution))
        let passed = try checks.check(request, challenge: challenge, keyBinding: keyBinding)

        let identity = try await forwarder.callerIdentity(request, host: passed.host, secrets: passed.secrets)
        attempt.facts.record("aws_account", identity.account)
        attempt.facts.record("aws_arn", identity.arn)

        guard try attempt.token.spec.awsAllowRules().contains(where: { rule in
            (rule.awsAccount == nil || rule.awsAccount == identity.account)
                && (rule.awsARN.map { Glob($0).matches(identity.arn) } ?? true)
        }) else {
            throw IAMErrors.noMatchingRule(arn: identity.arn, token: attempt.token.metadata.name)
        }
        return Attestation()
    }
}
