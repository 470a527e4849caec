import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Transport

/// Renews a renewable bot identity (token-method bots) with the Auth server, authenticating
/// with the current certificates and certifying a fresh key. The server holds the renewal to
/// the instance's generation counter, so a copied identity is refused and locked.
public struct BotRenewalClient: Sendable {
    let clock: any JoinClock
    let dialer: ClusterDialer

    public init(clock: any JoinClock = SystemClock(), dialer: ClusterDialer = .direct) {
        self.clock = clock
        self.dialer = dialer
    }

    public func renew(_ identity: BotIdentity, authServer: AuthAddress, certificateTTL: TimeInterval? = nil) async throws -> BotIdentity {
        guard identity.renewable else {
            throw JoinError.badParameter("the bot's certificates are not renewable; it must join again with its join method")
        }
        let key = P256.Signing.PrivateKey()
        var renewal = Joinery_V1_RenewBotCertificatesRequest()
        renewal.publicKeys = .with {
            $0.publicTlsKey = key.publicKey.derRepresentation
            $0.publicSshKey = Data(SSHPublicKey(key.publicKey).wireBytes)
        }
        if let certificateTTL { renewal.expiresUnix = Int64(clock.now.timeIntervalSince1970 + certificateTTL) }
        let request = renewal
        let response = try await dialer.withAuthenticatedTransport(
            authServer, certificatePEM: identity.tlsCertificatePEM, keyPEM: identity.privateKeyPEM,
            trustedCAsPEM: identity.tlsCACertificatesPEM
        ) { transport in
            try await RPCErrorTranslation.translating(authServer, throughProxy: dialer.isViaProxy) {
                try await withGRPCClient(transport: transport) { client in
                    try await Joinery_V1_BotService.Client(wrapping: client).renewBotCertificates(request)
                }
            }
        }
        return try BotIdentityAssembly.make(
            certificates: response.certificates, key: key, joinMethod: identity.joinMethod, authServer: authServer.description)
    }
}
