import Foundation
import JoinCore
import JoineryProto

/// The stages before a method attests: read `ClientInit`, find where the client is, admit the
/// attempt under the caps, and check its token, method and role. Each stage fills in the audit
/// record in the order the pipeline always has.
extension JoinPipeline {
    /// Reads `ClientInit` and records the token, role and method it names, as sent.
    func receiveClientInit(from stream: any JoinStream, ledger: JoinAttemptLedger) async throws -> Joinery_V1_ClientInit {
        guard let first = try await stream.receive() else {
            throw JoinError.badParameter("the client closed the stream before sending ClientInit")
        }
        ledger.clientInitArrived()
        guard case .clientInit(let message)? = first.payload else {
            throw JoinError.badParameter("the first join message must be ClientInit")
        }
        ledger.update {
            $0.tokenName = SafeName.mask(message.tokenName)
            $0.role = UntrustedString.sanitize(message.systemRole)
            $0.method = UntrustedString.sanitize(message.joinMethod)
        }
        return message
    }

    /// Through a Proxy Service the client is the one the proxy names, and the proxy's own
    /// certificate says nothing about it; a locked proxy may not forward.
    func locateClient(_ message: Joinery_V1_ClientInit, on connection: JoinConnection,
                      ledger: JoinAttemptLedger) async throws -> JoinOrigin {
        guard let client = try ProxyForwarding.clientAddress(
            of: message, presentedCertificate: connection.certificate, authorities: authorities, now: clock.now) else {
            return JoinOrigin(clientAddress: connection.remoteAddress, forwardedBy: nil, caller: presentedBot(connection.presented),
                              hostCaller: presentedHost(connection.presented))
        }
        ledger.update {
            $0.forwardedBy = $0.remoteAddress
            $0.remoteAddress = client
        }
        try await checkForwardingProxyLocks(connection.presented)
        return JoinOrigin(clientAddress: client, forwardedBy: connection.remoteAddress, caller: nil, hostCaller: nil)
    }

    /// Takes the attempt's place under the client's cap, bounds and parses the request (the
    /// keys are parsed here, once), then spends the client's rate-limit budget.
    func admit(_ message: Joinery_V1_ClientInit, from origin: JoinOrigin, ledger: JoinAttemptLedger) throws -> JoinRequest {
        // Now the client's address is known, forwarded or not: a proxy's stream takes its place
        // under the client's cap here, before the rate limiter spends the client's budget.
        if ledger.slot == nil {
            ledger.hold(try enterConcurrencyCap(from: origin.clientAddress, requestedMethod: message.joinMethod))
        }
        guard message.methodPayload.count <= JoinPipeline.maximumPayloadBytes else {
            throw JoinError.badParameter("method payload is \(message.methodPayload.count) bytes; the limit is \(JoinPipeline.maximumPayloadBytes)")
        }
        let request = try JoinRequest(message)
        ledger.update {
            $0.nodeName = request.displayName
            $0.role = request.role.rawValue
        }
        do {
            try limiter.admit(address: HostCertificateNames.host(of: origin.clientAddress))
        } catch {
            JoinMetrics.recordRateLimited(method: methods.metricLabel(for: request.requestedMethod))
            throw error
        }
        return request
    }

    /// Finds the token and checks the requested role, the token's method and, for a bot, the
    /// bot it names and the identity presented for it.
    func authorize(_ request: JoinRequest, from origin: JoinOrigin, ledger: JoinAttemptLedger) async throws -> AuthorizedJoin {
        // Asking for a role no join yields needs no token to refuse, and reveals nothing about any.
        try RoleAuthorization.checkRequestable([request.role] + request.serviceRoles)
        let found = try await tokens.findForJoin(name: request.tokenName)
        guard let method = methods.method(named: found.token.spec.joinMethod) else {
            throw ConcealedRefusal.tokenExpiredOrNotFound(because:
                "the token's join method \(UntrustedString.sanitize(found.token.spec.joinMethod)) is not enabled on this Auth server")
        }
        let tokenName = tokens.displayName(found.token)
        ledger.update {
            $0.method = method.name
            $0.tokenName = tokenName
        }
        // The client is answered as if the token did not exist: only a holder of the token may
        // learn its method (see ConcealedRefusal); the audit event says what happened.
        if !request.requestedMethod.isEmpty && !method.accepts(requestedMethod: request.requestedMethod) {
            throw ConcealedRefusal.tokenExpiredOrNotFound(because:
                "client requested join method \(UntrustedString.sanitize(request.requestedMethod)), provision token only supports method \(method.name)")
        }
        try RoleAuthorization.check(token: found.token, requested: request.role, services: request.serviceRoles)
        let botName = found.token.spec.botName
        if request.role == .bot {
            guard !botName.isEmpty else { throw JoinError.badParameter("the token does not name a bot") }
            ledger.update { $0.nodeName = UntrustedString.sanitize(botName) }
            _ = try await bots.require(name: botName)
            if let caller = origin.caller, caller.botName != botName {
                throw JoinError.accessDenied(
                    "the presented identity belongs to bot \(UntrustedString.sanitize(caller.botName)), but this token is for bot \(UntrustedString.sanitize(botName))")
            }
        }
        return AuthorizedJoin(request: request, origin: origin, found: found, method: method, botName: botName,
                              caller: request.role == .bot ? origin.caller : nil,
                              hostCaller: request.role == .bot ? nil : origin.hostCaller)
    }

    /// Refuses a join forwarded by a locked Proxy Service (its host ID or role Proxy). The
    /// client behind the proxy is told only that the proxy is locked; the audit event keeps
    /// the lock and its message.
    private func checkForwardingProxyLocks(_ proxy: PeerIdentity?) async throws {
        guard let proxy, let lock = try await CallerLocks(locks: locks).lock(on: proxy) else { return }
        throw ConcealedRefusal(
            answer: .accessDenied("the Proxy Service that forwarded this join is locked and may not forward joins; contact the cluster's administrator"),
            auditReason: "the forwarding Proxy Service is locked: \(CallerLocks.refusal(lock))")
    }

    /// The bot identity of a presented certificate, when it is a current bot certificate of
    /// this cluster; anything else (a throwaway certificate, an expired one) is no identity.
    private func presentedBot(_ identity: PeerIdentity?) -> BotCaller? {
        guard let identity, identity.role == .bot, let bot = identity.bot, !bot.instanceID.isEmpty else { return nil }
        return BotCaller(botName: bot.name, instanceID: bot.instanceID, generation: bot.generation)
    }

    /// The host identity of a presented certificate, when it is a current host certificate of
    /// this cluster (a role a host runs, no bot, no Admin); anything else is no identity.
    private func presentedHost(_ identity: PeerIdentity?) -> HostCaller? {
        guard let identity, identity.bot == nil, identity.clusterName == clusterName, !identity.hostID.isEmpty,
              identity.role == .instance || identity.role.isLocalService else { return nil }
        return HostCaller(hostID: identity.hostID, roles: identity.systemRoles.isEmpty ? [identity.role] : identity.systemRoles)
    }
}
