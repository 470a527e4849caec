import Foundation
import GRPCCore
import JoinCore
import JoineryProto

/// Serves `joinery.v1.BotService`: renewal of renewable bot certificates, authenticated by
/// the bot's current certificate.
struct BotServiceHandler: Joinery_V1_BotService.SimpleServiceProtocol {
    let renewal: BotRenewal
    let authentication: CallerAuthentication

    func renewBotCertificates(request: Joinery_V1_RenewBotCertificatesRequest,
                              context: ServerContext) async throws -> Joinery_V1_RenewBotCertificatesResponse {
        try await RPCErrorMapping.mapping {
            let caller = try authentication.identity(of: context)
            let expiry = request.expiresUnix > 0 ? Date(timeIntervalSince1970: TimeInterval(request.expiresUnix)) : nil
            let certificates = try await renewal.renew(
                caller: caller, sshPublicKey: request.publicKeys.publicSshKey, tlsPublicKey: request.publicKeys.publicTlsKey,
                requestedExpiry: expiry, remoteAddress: PeerAddress.from(context.remotePeer))
            return .with { $0.certificates = .init(certificates) }
        }
    }
}
