import Foundation
import JoinCore

/// The Auth server's half of `x509pop`: the host's certificate chain (the initial payload)
/// must chain to the configured CA bundle at the attempt's time, its common name must pass the
/// token's `spec.x509pop.allow`, and the host must then sign a fresh challenge with the
/// certificate's key.
///
/// Tokens are multi-use until they expire (as in SPIRE, the certificate is the credential),
/// so attestation never changes the token; the method sets no host ID either, since one
/// certificate may serve several processes on a host and changes at every renewal (its
/// fingerprint and serial are in the audit instead).
public struct X509PopJoinMethod: JoinMethod {
    public let name = X509Pop.methodName
    public var tokenSpecSections: Set<String> { [X509Pop.tokenSection] }

    private let verifier: HostCertificateVerifier

    /// Reads `ca_bundle_path` from the plugin's settings and the bundle from disk, once.
    public init(context: PluginContext) throws {
        let settings = try X509PopServerSettings(context.settings)
        let bundle = try X509PopCABundle(contentsOf: settings.caBundlePath)
        self.init(bundle: bundle)
        context.logger.info("x509pop: trusting \(bundle.certificates.count) CA certificate(s) from \(settings.caBundlePath)")
    }

    /// A method trusting `bundle` (tests, or a host program that reads its own configuration).
    public init(bundle: X509PopCABundle) {
        verifier = HostCertificateVerifier(bundle: bundle)
    }

    public func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        _ = try X509PopTokenSpec(of: token)
        return token
    }

    public func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        let rules = try X509PopTokenSpec(of: attempt.token)
        let chain = try X509PopPayload(decoding: attempt.initialPayload)
        let host = try await verifier.verify(chain, at: attempt.startedAt)
        attempt.facts.record(host.attributes)

        guard rules.admits(commonName: host.commonName) else {
            guard let commonName = host.commonName else {
                throw X509PopErrors.missingCommonName(HostCertificateVerifier.describe(host.leaf.subject), token: attempt.token.metadata.name)
            }
            throw X509PopErrors.commonNameNotAllowed(commonName, token: attempt.token.metadata.name)
        }

        let challenge = X509PopChallenge.fresh(fingerprint: host.fingerprint, clusterName: attempt.cluster.clusterName)
        let solution = try await exchange.challenge(challenge.encoded)
        try host.checkSignature(solution, over: challenge)
        return Attestation()
    }
}
