import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Transport

/// Asks a cluster address what it is (`JoinService/Ping`): its name, version and signature
/// algorithm suite. `tbot keypair create` needs only the suite, to pick the key type the cluster
/// will accept, so the call does not verify the server: nothing secret is sent and nothing
/// received is trusted beyond choosing between Ed25519 and ECDSA.
///
/// The Auth server asks every TLS client for a certificate, so the call presents a throwaway
/// self-signed one, as a joining process does.
public struct ClusterPing: Sendable {
    public let address: AuthAddress
    /// Straight to an Auth server, or through a Proxy Service (``ClusterRoute``).
    public let dialer: ClusterDialer

    public init(address: AuthAddress, dialer: ClusterDialer = .direct) {
        self.address = address
        self.dialer = dialer
    }

    /// What Ping answered.
    public struct Answer: Sendable, Equatable {
        public var clusterName: String
        public var serverVersion: String
        public var signatureSuite: String
    }

    public func ping(timeout: Duration = .seconds(15)) async throws -> Answer {
        let address = self.address
        let response = try await dialer.withJoinTransport(address, authTLS: AuthTransports.unverified) { transport in
            try await RPCErrorTranslation.translating(address, throughProxy: dialer.isViaProxy) {
                try await withGRPCClient(transport: transport) { client in
                    var options = CallOptions.defaults
                    options.timeout = timeout
                    return try await Joinery_V1_JoinService.Client(wrapping: client).ping(Joinery_V1_PingRequest(), options: options)
                }
            }
        }
        return Answer(clusterName: response.clusterName, serverVersion: response.serverVersion,
                      signatureSuite: response.signatureSuite)
    }
}
