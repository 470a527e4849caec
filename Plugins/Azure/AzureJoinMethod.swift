import Foundation
import JoinCore
import Logging
import OIDCKit

/// The `azure` join method (Teleport's): a VM proves where it runs with two things Azure gives
/// only to that VM — attested data Azure's metadata service signs over a nonce of this join,
/// and its managed identity's access token — and the Auth server matches the subscription and
/// resource group against the token's `allow` rules.
///
/// One attempt: the Auth server sends a challenge; the VM derives the nonce from it and the
/// keys it asks to have certified (``AzureNonce``), fetches the attested data for that nonce
/// and an access token from IMDS, and answers with both. The server then checks
/// 1. the attested data: signature, chain to Azure's roots, signer, and the nonce;
/// 2. the access token: Entra ID's signature for the VM's tenant, audience, times; it names
///    the VM's resource ID, whose subscription must be the attested one;
/// 3. with Resource Manager, that the VM the token names has the attested `vmId`;
/// 4. the allow rules, on the subscription and the resource group.
/// Every fact is recorded for the audit event, success or failure.
public struct AzureJoinMethod: JoinMethod {
    public static let methodName = "azure"
    public let name = AzureJoinMethod.methodName
    public var tokenSpecSections: Set<String> { [AzureTokenSpec.sectionKey] }

    let attestedData: AttestedDataVerifier
    let accessTokens: AzureAccessTokenVerifier
    let machines: AzureVirtualMachineLookup
    let clock: any JoinClock
    let logger: Logger

    /// - Parameter context: `authService` holds `auth_service.azure`; `environment` the overrides
    ///   of the issuer (`JOINERY_OIDC_ISSUER_URL_AZURE`), Resource Manager
    ///   (`JOINERY_AZURE_RESOURCE_MANAGER_URL`) and the trusted roots for both (`SSL_CERT_FILE`).
    public init(context: PluginContext) throws {
        let environment = context.environment
        let settings = try AzureJoinSettings(authService: context.authService)
        attestedData = AttestedDataVerifier(trust: try settings.trust(), issuers: IssuerCertificateFetcher(clock: context.clock, environment: environment))
        accessTokens = AzureAccessTokenVerifier(environment: environment, keyCache: KeySetCache(clock: context.clock, logger: context.logger))
        machines = AzureVirtualMachineLookup(environment: environment)
        clock = context.clock
        logger = context.logger
    }

    public func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        _ = try AzureTokenSpec(of: token)
        return token
    }

    public func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        guard attempt.token.spec.joinMethod == name else { throw AzureErrors.wrongTokenMethod(attempt.token.spec.joinMethod) }
        guard let keyBinding = attempt.keyBinding else { throw AzureErrors.noKeyBinding }
        let spec = try AzureTokenSpec(of: attempt.token)
        let challenge = AzureNonce.challenge()
        let solution = try AzureMessages.decodeSolution(try await exchange.challenge(Data(challenge.utf8)))

        let document = try await attestedData.verify(solution.attestedData, at: clock.now)
        attempt.facts.record(["azure_vm_id": document.vmID, "azure_subscription": document.subscriptionID])
        guard ConstantTime.equals(document.nonce, AzureNonce.make(challenge: challenge, keyBinding: keyBinding)) else {
            attempt.facts.record("azure_refusal", "the attested data was signed for another nonce (a replayed document, or keys swapped in transit)")
            throw AzureErrors.nonceMismatch
        }

        let identity = try await accessTokens.verify(solution.accessToken, now: clock.now)
        let machine = identity.virtualMachine
        attempt.facts.record([
            "azure_tenant": identity.tenant, "azure_resource_group": machine.resourceGroup, "azure_vm_name": machine.name,
        ])
        guard machine.subscription == document.subscriptionID else {
            attempt.facts.record("azure_token_subscription", machine.subscription)
            throw AzureErrors.subscriptionMismatch
        }
        let vmID = try await machines.vmID(of: machine, accessToken: solution.accessToken)
        guard vmID.caseInsensitiveCompare(document.vmID) == .orderedSame else {
            attempt.facts.record("azure_token_vm_id", vmID)
            throw AzureErrors.vmIDMismatch
        }
        guard spec.firstMatch(subscription: document.subscriptionID, resourceGroup: machine.resourceGroup) != nil else {
            throw AzureErrors.noMatchingRule(vmID: document.vmID, token: attempt.token.metadata.name)
        }
        return Attestation()
    }
}
