import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Server
import TestSupport
import Transport

/// The CPU cost of the work no join can avoid: one TLS connection to the Auth server (both
/// ends' handshakes, since client and server share this process) and signing one SSH and one
/// X.509 host certificate. Its inverse, times the cores, is the most joins per second this
/// machine could do if a join did nothing else.
struct CryptoFloor {
    var handshakeCPUSeconds: Double
    var signingCPUSeconds: Double
    var cores: Int

    var perJoinCPUSeconds: Double { handshakeCPUSeconds + signingCPUSeconds }
    var joinsPerSecond: Double { Double(cores) / perJoinCPUSeconds }

    static func measure(cluster: TestCluster, address: AuthAddress, rounds: Int) async throws -> CryptoFloor {
        // Warm up the server and the TLS stack.
        for _ in 0..<10 { try await ping(address) }
        let handshakes = try await JoinBench.measure { for _ in 0..<rounds { try await ping(address) } }

        let issuer = try HostCertificateIssuer(hostCA: cluster.server.authorities.host)
        let requests = (0..<rounds).map { index in
            HostCertificateRequest(
                hostID: UUID().uuidString.lowercased(), nodeName: "node-\(index)", clusterName: TestCluster.clusterName,
                role: .node, sshPublicKey: SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey),
                tlsPublicKey: SubjectTLSPublicKey(P256.Signing.PrivateKey().publicKey), now: Date())
        }
        let signing = try await JoinBench.measure { for request in requests { _ = try issuer.issue(request) } }
        return CryptoFloor(handshakeCPUSeconds: handshakes.cpuSeconds / Double(rounds),
                           signingCPUSeconds: signing.cpuSeconds / Double(rounds),
                           cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// One new TLS connection and the cheapest call there is.
    private static func ping(_ address: AuthAddress) async throws {
        let transport = try AuthTransports.unverified(address)
        _ = try await withGRPCClient(transport: transport) { client in
            try await Joinery_V1_JoinService.Client(wrapping: client).ping(Joinery_V1_PingRequest())
        }
    }
}
