import AWSKit
import Foundation
import JoinCore

/// The `ec2` join method (spec §6): an EC2 instance proves who it is with the rsa2048
/// instance identity document AWS signs for it, fetched from IMDSv2 by the client half.
///
/// The checks run in Teleport's order: the document's PKCS#7 signature against AWS's
/// certificate for its region (every fact is taken from the verified content); its age
/// against `aws_iid_ttl`; one joined process per instance; the first allow rule matching the
/// account and region; and `DescribeInstances` (through `aws_role` when the rule names one)
/// showing the instance `running`. The host ID is `<accountId>-<instanceId>`.
public struct EC2JoinMethod: JoinMethod {
    public static let methodName = "ec2"

    public let name = EC2JoinMethod.methodName
    let verifier: IdentityDocumentVerifier
    let instances: any InstanceDirectory
    let clock: any JoinClock

    public init(context: PluginContext, instances: any InstanceDirectory) throws {
        let settings = try AWSJoinSettings(authService: context.authService)
        verifier = IdentityDocumentVerifier(certificates: try RegionCertificates(overrideDirectory: settings.certificatesDirectory))
        self.instances = instances
        clock = context.clock
    }

    public var tokenSpecSections: Set<String> { EC2TokenRules.sections }
    public var impliedBySections: Set<String> { [AWSTokenSections.allow] }

    public func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        try EC2TokenRules.validate(token)
    }

    public func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        guard !attempt.initialPayload.isEmpty else {
            throw EC2Errors.noDocument
        }
        let document = try verifier.verify(attempt.initialPayload)
        attempt.facts.record("aws_account", document.accountId)
        attempt.facts.record("aws_region", document.region)
        attempt.facts.record("instance_id", document.instanceId)
        let hostID = document.hostID

        try IdentityDocumentFreshness.check(document, clock: clock, awsIIDTTL: try attempt.token.spec.awsIdentityDocumentTTL())
        try await InstanceUniqueness.check(hostID: hostID, attempt: attempt)

        guard let rule = try attempt.token.spec.awsAllowRules().first(where: { rule in
            (rule.awsAccount == nil || rule.awsAccount == document.accountId)
                && (rule.awsRegions == nil || rule.awsRegions?.contains(document.region) == true)
        }) else {
            throw EC2Errors.noMatchingRule(hostID: hostID, token: attempt.token.metadata.name)
        }
        let state: String?
        do {
            state = try await instances.state(ofInstance: document.instanceId, region: document.region, assumingRole: rule.awsRole)
        } catch let error as JoinError {
            throw EC2Errors.instanceStateUnavailable(error.message)
        } catch {
            throw EC2Errors.instanceStateUnavailable("\(error)")
        }
        guard let state else {
            throw EC2Errors.instanceNotFound(instanceID: document.instanceId, account: document.accountId, region: document.region)
        }
        attempt.facts.record("instance_state", state)
        guard state == "running" else {
            throw EC2Errors.notRunning(instanceID: document.instanceId, state: state)
        }
        return Attestation(hostID: hostID)
    }
}
