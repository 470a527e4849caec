import Crypto
import Foundation
import JoinCore
import Logging
import OpenSSLKit

/// The `tpm` join method (Teleport's): a host or bot proves it holds a particular TPM 2.0.
///
/// The joiner sends its endorsement key (the certificate its manufacturer put in the TPM, else
/// the bare key) and a new attestation key's public area. The Auth server
/// 1. checks the EK certificate against the token's `ekcert_allowed_cas` when it lists any;
/// 2. makes a credential in software that only that EK's TPM can recover, and only with that
///    attestation key loaded (``CredentialProtection``), and sends it;
/// 3. expects back an HMAC keyed with the credential over this join's key binding
///    (``TPMMessages``): only the TPM could have recovered it, for these keys, now;
/// 4. matches the EK's public hash and certificate serial against the `allow` rules.
/// Facts for the audit: `ek_pub_hash`, `ek_cert_serial`, `ek_cert_verified`.
public struct TPMJoinMethod: JoinMethod {
    public static let methodName = "tpm"
    public let name = TPMJoinMethod.methodName
    public var tokenSpecSections: Set<String> { [TPMTokenSpec.sectionKey] }
    let clock: any JoinClock

    public init(context: PluginContext) {
        clock = context.clock
    }

    public func validate(_ token: ProvisionToken) throws -> ProvisionToken {
        _ = try TPMTokenSpec(of: token)
        return token
    }

    public func attest(_ attempt: JoinAttempt, over exchange: any ChallengeExchange) async throws -> Attestation {
        guard attempt.token.spec.joinMethod == name else {
            throw JoinError.accessDenied("this token does not support the tpm join method (its join_method is \(UntrustedString.quoted(attempt.token.spec.joinMethod)))")
        }
        guard let keyBinding = attempt.keyBinding else {
            throw JoinError.internalError("tpm: the join attempt carries no key binding, so the activation cannot be bound to the keys being certified")
        }
        let spec = try TPMTokenSpec(of: attempt.token)
        let request = try TPMMessages.decode(TPMMessages.Init.self, from: attempt.initialPayload, what: "join request (ClientInit.method_payload)")
        let endorsement = try EndorsementKey(certificate: request.ekCert, publicKey: request.ekKey)
        attempt.facts.record("ek_pub_hash", endorsement.publicHash)
        if let serial = endorsement.certificateSerial { attempt.facts.record("ek_cert_serial", serial) }
        attempt.facts.record("ek_cert_verified", "false")
        if !spec.allowedCAs.isEmpty {
            guard let certificate = endorsement.certificate else {
                throw JoinError.accessDenied("validating TPM: tpm did not provide an EKCert to validate against allowed CAs")
            }
            do {
                try CertificateChainCheck.verify(certificate, anchors: spec.allowedCAs, partialChain: true, at: clock.now)
            } catch let failure as CertificateChainCheck.Failure {
                throw JoinError.accessDenied("validating TPM: verifying EK cert: \(failure.reason)")
            }
            attempt.facts.record("ek_cert_verified", "true")
        }
        let attestationKey = try AttestationKey(publicArea: request.akPublic)

        var generator = SystemRandomNumberGenerator()
        let credential = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let seed = Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let made = try CredentialProtection.make(credential: credential, endorsementKeyDER: endorsement.publicKeyDER,
                                                 attestationKeyName: attestationKey.name, seed: seed)
        let challenge = try JSONEncoder().encode(TPMMessages.Challenge(credentialBlob: made.credentialBlob, secret: made.encryptedSecret))
        let answer = try TPMMessages.decode(TPMMessages.Solution.self, from: try await exchange.challenge(challenge), what: "answer")
        let expected = TPMMessages.solution(credential: credential, keyBinding: keyBinding)
        guard ConstantTime.equals(answer.solution, expected) else {
            throw JoinError.accessDenied("validating TPM: invalid credential activation solution")
        }
        guard spec.firstMatch(endorsement) != nil else {
            throw JoinError.accessDenied("validated tpm attributes did not match any allow rules")
        }
        return Attestation()
    }
}
