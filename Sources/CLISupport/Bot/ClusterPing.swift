import Agent
import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import X509

/// Asks a cluster address what it is (`JoinService/Ping`): its name, version and signature
/// algorithm suite. `tbot keypair create` needs only the suite, to pick the key type the cluster
/// will accept, so the call does not verify the server: nothing secret is sent and nothing
/// received is trusted beyond choosing between Ed25519 and ECDSA.
///
/// The Auth server asks every TLS client for a certificate, so the call presents a throwaway
/// self-signed one, as a joining process does.
public struct ClusterPing: Sendable {
    public let address: AuthAddress

    public init(address: AuthAddress) {
        self.address = address
    }

    /// What Ping answered.
    public struct Answer: Sendable, Equatable {
        public var clusterName: String
        public var serverVersion: String
        public var signatureSuite: String
    }

    public func ping(timeout: Duration = .seconds(15)) async throws -> Answer {
        let transport = try makeUnverifiedTransport()
        let response = try await RPCErrorTranslation.translating(address) {
            try await withGRPCClient(transport: transport) { client in
                var options = CallOptions.defaults
                options.timeout = timeout
                return try await Joinery_V1_JoinService.Client(wrapping: client).ping(Joinery_V1_PingRequest(), options: options)
            }
        }
        return Answer(clusterName: response.clusterName, serverVersion: response.serverVersion,
                      signatureSuite: response.signatureSuite)
    }

    private func makeUnverifiedTransport() throws -> HTTP2ClientTransport.Posix {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("joinery-tbot-ping") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions {}, issuerPrivateKey: .init(key))
        let tls = HTTP2ClientTransport.Posix.TransportSecurity.TLS(
            certificateChain: [.bytes(Array(try certificate.serializeAsPEM().pemString.utf8), format: .pem)],
            privateKey: .bytes(Array(key.pemRepresentation.utf8), format: .pem),
            serverCertificateVerification: .noVerification,
            trustRoots: .systemDefault)
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.http2.authority = AuthTransports.serverName
        return try HTTP2ClientTransport.Posix(target: .dns(host: address.host, port: address.port),
                                              transportSecurity: .tls(tls), config: config)
    }
}
