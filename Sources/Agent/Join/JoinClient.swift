import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Logging
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

    public func join(_ parameters: JoinParameters) async throws -> Identity {
        let configuredProver = try registry.makeProver(named: parameters.method, context: proverContext)
        let trusted = try await ClusterTrust.establish(parameters, clock: clock, logger: logger)
        let transport = try trusted.map { try AuthTransports.pinned(parameters.authServer, trustedCAsPEM: $0) }
            ?? AuthTransports.unverified(parameters.authServer)

        let sshKey = Curve25519.Signing.PrivateKey()
        let tlsKey = P256.Signing.PrivateKey()
        let proof = ProofRequest(tokenName: parameters.tokenName, role: parameters.role, nodeName: parameters.nodeName)
        var clientInit = Joinery_V1_ClientInit()
        clientInit.tokenName = parameters.tokenName
        clientInit.joinMethod = parameters.method
        clientInit.systemRole = parameters.role.rawValue
        clientInit.clientVersion = JoinClient.version
        clientInit.methodPayload = try await configuredProver.initialPayload(for: proof)
        let keys = Joinery_V1_PublicKeys.with {
            $0.publicTlsKey = tlsKey.publicKey.derRepresentation
            $0.publicSshKey = Data(SSHPublicKey(sshKey.publicKey).wireBytes)
        }
        if parameters.role == .bot {
            clientInit.botParams = .with { $0.publicKeys = keys }
        } else {
            clientInit.hostParams = .with {
                $0.publicKeys = keys
                $0.hostName = parameters.nodeName
                $0.additionalPrincipals = parameters.additionalPrincipals
                $0.dnsNames = parameters.dnsNames
            }
        }

        let conversation = JoinConversation(
            initial: clientInit, configuredProver: configuredProver, registry: registry,
            proverContext: proverContext, proof: proof)
        let result = try await RPCErrorTranslation.translating(parameters.authServer) {
            try await withGRPCClient(transport: transport) { client in
                try await conversation.run(Joinery_V1_JoinService.Client(wrapping: client), timeout: JoinClient.joinTimeout)
            }
        }
        return try IdentityAssembly.make(
            result: result.result, serverInit: result.serverInit, parameters: parameters,
            sshKey: sshKey, tlsKey: tlsKey)
    }
}
