import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Logging
import Transport
import X509

/// Joins the cluster: establishes trust in the Auth server, generates this process's keys,
/// runs the join conversation with the configured method's prover, and returns the identity.
/// It does not store anything; the caller saves the identity once it is complete.
public struct JoinClient: Sendable {
    public static let version = "0.1.0"
    /// The longest a whole join may take.
    static let joinTimeout: Duration = .seconds(60)

    let registry: JoinMethodRegistry
    let clock: any JoinClock
    let logger: Logger
    let proverContext: ProverContext

    public init(registry: JoinMethodRegistry, clock: any JoinClock = SystemClock(), logger: Logger,
                proverContext: ProverContext = ProverContext()) {
        self.registry = registry
        self.clock = clock
        self.logger = logger
        self.proverContext = proverContext
    }

    /// Joins as a host. With `presenting`, an identity this host holds (certificates still
    /// valid), the connection authenticates with it and trusts the CAs it holds: the host
    /// proves its method again (see ``JoinCore/JoinProver/provesAgainAtStart``) and the
    /// method may continue its host ID.
    public func join(_ parameters: JoinParameters, presenting: Identity? = nil) async throws -> Identity {
        let configuredProver = try configuredProver(parameters)
        let trust: ClusterTrust.JoinTrust = if let presenting {
            .authenticated(.init(certificatePEM: presenting.tlsCertificate, keyPEM: presenting.tlsPrivateKey,
                                 trustedCAsPEM: presenting.tlsCACertificates))
        } else {
            try ClusterTrust.joinTrust(parameters, clock: clock, logger: logger)
        }

        let sshKey = Curve25519.Signing.PrivateKey()
        let tlsKey = P256.Signing.PrivateKey()
        let publicKeys = Joinery_V1_PublicKeys.with {
            $0.publicTlsKey = tlsKey.publicKey.derRepresentation
            $0.publicSshKey = Data(SSHPublicKey(sshKey.publicKey).wireBytes)
        }
        let proof = proof(parameters, keys: publicKeys)
        var clientInit = makeClientInit(parameters, initialPayload: try await configuredProver?.initialPayload(for: proof) ?? Data())
        clientInit.hostParams = .with {
            $0.publicKeys = publicKeys
            $0.hostName = parameters.nodeName
            $0.additionalPrincipals = parameters.additionalPrincipals
            $0.dnsNames = parameters.dnsNames
            $0.systemRoles = parameters.systemRoles.map(\.rawValue)
        }
        let result = try await converse(clientInit: clientInit, prover: configuredProver, proof: proof, parameters, trust: trust)
        return try IdentityAssembly.make(
            result: result.result, serverInit: result.serverInit, parameters: parameters,
            sshKey: sshKey, tlsKey: tlsKey)
    }

    /// Joins as a bot. With `presenting`, a bot identity whose certificates are still valid,
    /// the connection authenticates with it (an authenticated re-join: the Auth server
    /// continues that bot instance) and trusts the CAs it holds; without, trust is established
    /// as for any join (CA pins). One P-256 key is certified for both SSH and TLS.
    public func joinBot(_ parameters: JoinParameters, certificateTTL: TimeInterval? = nil,
                        presenting: BotIdentity? = nil) async throws -> BotIdentity {
        let configuredProver = try configuredProver(parameters)
        let trust: ClusterTrust.JoinTrust = if let presenting {
            .authenticated(.init(certificatePEM: presenting.tlsCertificatePEM, keyPEM: presenting.privateKeyPEM,
                                 trustedCAsPEM: presenting.tlsCACertificatesPEM))
        } else {
            try ClusterTrust.joinTrust(parameters, clock: clock, logger: logger)
        }
        let key = P256.Signing.PrivateKey()
        let publicKeys = Joinery_V1_PublicKeys.with {
            $0.publicTlsKey = key.publicKey.derRepresentation
            $0.publicSshKey = Data(SSHPublicKey(key.publicKey).wireBytes)
        }
        let proof = proof(parameters, keys: publicKeys)
        var clientInit = makeClientInit(parameters, initialPayload: try await configuredProver?.initialPayload(for: proof) ?? Data())
        clientInit.botParams = .with {
            $0.publicKeys = publicKeys
            if let certificateTTL { $0.expiresUnix = Int64(clock.now.timeIntervalSince1970 + certificateTTL) }
        }
        let result = try await converse(clientInit: clientInit, prover: configuredProver, proof: proof, parameters, trust: trust)
        return try BotIdentityAssembly.make(
            certificates: result.result.certificates, key: key, joinMethod: result.serverInit.joinMethod,
            authServer: parameters.authServer.description)
    }

    /// True when the configured method asks a host that holds an identity to prove itself
    /// again at every start (see ``JoinCore/JoinProver/provesAgainAtStart``).
    /// A method this client does not know is no reason to stop reusing an identity: it is
    /// reported only when a join is needed.
    public func provesAgainAtStart(_ parameters: JoinParameters) throws -> Bool {
        guard registry.availableNames.contains(parameters.method) else { return false }
        return try configuredProver(parameters)?.provesAgainAtStart ?? false
    }

    /// The prover of `join_params.method`; `nil` when no method is configured, and the client
    /// takes the one the Auth server names (see ``ServerMethodChoice``).
    private func configuredProver(_ parameters: JoinParameters) throws -> (any JoinProver)? {
        parameters.method.isEmpty ? nil : try registry.makeProver(named: parameters.method, context: proverContext)
    }

    /// What the prover is told, including the binding of the keys this join will certify:
    /// made before any proof, so every proof can cover exactly these keys.
    private func proof(_ parameters: JoinParameters, keys: Joinery_V1_PublicKeys) -> ProofRequest {
        ProofRequest(tokenName: parameters.tokenName, role: parameters.role, nodeName: parameters.nodeName,
                     keyBinding: KeyBinding(sshPublicKey: keys.publicSshKey, tlsPublicKey: keys.publicTlsKey))
    }

    private func makeClientInit(_ parameters: JoinParameters, initialPayload: Data) -> Joinery_V1_ClientInit {
        var clientInit = Joinery_V1_ClientInit()
        clientInit.tokenName = parameters.tokenName
        clientInit.joinMethod = parameters.method
        clientInit.systemRole = parameters.role.rawValue
        clientInit.clientVersion = JoinClient.version
        clientInit.methodPayload = initialPayload
        return clientInit
    }

    private func converse(clientInit: Joinery_V1_ClientInit, prover: (any JoinProver)?, proof: ProofRequest,
                          _ parameters: JoinParameters, trust: ClusterTrust.JoinTrust) async throws -> JoinConversation.Outcome {
        let conversation = JoinConversation(
            initial: clientInit, configuredProver: prover, registry: registry,
            proverContext: proverContext, proof: proof)
        let run: @Sendable (HTTP2ClientTransport.Posix) async throws -> JoinConversation.Outcome = { transport in
            try await RPCErrorTranslation.translating(parameters.authServer, throughProxy: parameters.dialer.isViaProxy) {
                try await withGRPCClient(transport: transport) { client in
                    try await conversation.run(Joinery_V1_JoinService.Client(wrapping: client), timeout: JoinClient.joinTimeout)
                }
            }
        }
        switch trust {
        case .authenticated(let presenting):
            return try await parameters.dialer.withAuthenticatedTransport(
                parameters.authServer, certificatePEM: presenting.certificatePEM, keyPEM: presenting.keyPEM,
                trustedCAsPEM: presenting.trustedCAsPEM, run)
        case .pinned(let handshake):
            do {
                return try await parameters.dialer.withJoinTransport(parameters.authServer, authTLS: handshake.transport, run)
            } catch {
                // A refused handshake surfaces as a transport error; say why in words.
                guard let refusal = handshake.failure else { throw error }
                throw await ProxyAddressHint.explaining(
                    refusal, presentedNonMemberCertificate: handshake.presentedNonMemberCertificate,
                    address: parameters.authServer, dialer: parameters.dialer)
            }
        case .unverified:
            return try await parameters.dialer.withJoinTransport(parameters.authServer, authTLS: AuthTransports.unverified, run)
        }
    }
}
