import Foundation
import JoinCore
import JoineryProto

/// The stages after attestation: commit the token change, sign the host's or bot's
/// certificates with the keys parsed from `ClientInit`, and build the answer.
extension JoinPipeline {
    /// Commits the token change and signs a host's certificates.
    func issueHost(_ join: AuthorizedJoin, _ attestation: Attestation, nodeName: String, additionalPrincipals: [String],
                   dnsNames: [String], ledger: JoinAttemptLedger) async throws -> IssuedJoin {
        let hostID = attestation.hostID ?? UUID().uuidString.lowercased()
        let commit = CommitContext(botInstanceID: nil, now: clock.now)
        let committedToken = try await tokens.commit(attestation.tokenChange, for: join.found, context: commit)
        ledger.update { $0.hostID = UntrustedString.sanitize(hostID) }
        let certificates = try authorities.issueHostCertificates(HostIdentityRequest(
            hostID: hostID, nodeName: nodeName, role: join.request.role,
            systemRoles: RoleAuthorization.systemRoles(token: join.found.token, requested: join.request.role,
                                                     services: join.request.serviceRoles),
            keys: join.request.keys,
            additionalPrincipals: additionalPrincipals, dnsNames: dnsNames,
            remoteHost: HostCertificateNames.host(of: join.origin.clientAddress), now: clock.now))
        return IssuedJoin(hostID: hostID, certificates: certificates, committedToken: committedToken, commit: commit)
    }

    /// Picks and checks the bot instance, commits the token change and signs the bot's
    /// certificates; a generation refusal asks for its lock and event through `effects`.
    func issueBot(_ join: AuthorizedJoin, _ attestation: Attestation, requestedExpiry: Date?, effects: AttemptEffects,
                  ledger: JoinAttemptLedger) async throws -> IssuedJoin {
        let botName = join.botName
        let plan = try botIssuance.plan(
            choice: attestation.bot?.instance ?? .automatic, caller: join.caller, botName: botName,
            tokenName: tokens.displayName(join.found.token), joinMethod: join.method.name, remoteAddress: join.origin.clientAddress,
            renewable: attestation.bot?.renewable ?? false, requestedExpiry: requestedExpiry)
        ledger.update { $0.attributes["bot_instance_id"] = plan.instanceID }
        do {
            try await botIssuance.check(plan)
            let commit = CommitContext(botInstanceID: plan.instanceID, now: clock.now)
            let committedToken = try await tokens.commit(attestation.tokenChange, for: join.found, context: commit)
            let issued = try await botIssuance.issue(plan, keys: join.request.keys)
            ledger.update { $0.attributes["bot_generation"] = String(issued.generation) }
            return IssuedJoin(hostID: nil, certificates: issued.certificates, committedToken: committedToken, commit: commit)
        } catch let refusal as BotIssuance.GenerationRefusal {
            if let lock = refusal.lock {
                effects.lock(lock, message: "the certificate generation of bot \(botName) instance \(plan.instanceID) did not match: its identity may have been copied")
            }
            effects.emit(.init(
                type: "bot.generation_mismatch", code: "TBG001W", success: false,
                fields: ["bot_name": botName, "bot_instance_id": plan.instanceID,
                         "stored_generation": refusal.storedGeneration.map(String.init) ?? "none",
                         "presented_generation": String(refusal.presentedGeneration)],
                failure: refusal.error.message))
            throw refusal.error
        }
    }

    /// The join's answer: the method's result, the host ID and the certificates, converted to
    /// their wire form here.
    /// Keeps how the host joined (`tctl inventory ls`) and the labels its token binds to it.
    /// The join is already committed and its certificates signed, so a failure here is logged,
    /// not returned to the host.
    func recordHostJoin(_ issued: IssuedJoin, method: String, boundLabels: [String: String]) async {
        guard let hostID = issued.hostID else { return }
        do {
            let hostKey = (try? SSHCertificate(wireBytes: issued.certificates.sshCertificate))?.publicKey.authorizedKey
            try await nodes.recordJoin(hostID: hostID, method: method, boundLabels: boundLabels, sshHostKey: hostKey,
                                       lifetime: HostCertificateIssuer.tlsCertificateLifetime)
        } catch {
            logger.warning("could not record the host's join method for the inventory",
                           metadata: ["host_id": "\(hostID)", "error": "\(error)"])
        }
    }

    func answer(_ issued: IssuedJoin, _ attestation: Attestation) throws -> Joinery_V1_JoinResponse {
        var result = Joinery_V1_JoinResult()
        if let hostID = issued.hostID { result.hostID = hostID }
        result.certificates = Joinery_V1_Certificates(issued.certificates)
        result.methodResult = try attestation.methodResult?(issued.committedToken, issued.commit) ?? Data()
        var response = Joinery_V1_JoinResponse()
        response.result = result
        return response
    }
}
