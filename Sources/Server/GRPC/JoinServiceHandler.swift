import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto

/// Serves `joinery.v1.JoinService`: the join stream and the two bootstrapping calls, all
/// without client authentication.
struct JoinServiceHandler: Joinery_V1_JoinService.SimpleServiceProtocol {
    let pipeline: JoinPipeline
    let authorities: ClusterAuthorities
    let clusterName: String
    let version: String
    /// The longest a whole join may take, challenges included.
    let joinTimeoutSeconds: Double

    func join(request: RPCAsyncSequence<Joinery_V1_JoinRequest, any Error>,
              response: RPCWriter<Joinery_V1_JoinResponse>, context: ServerContext) async throws {
        let stream = GRPCJoinStream(requests: request, responses: response)
        let remote = PeerAddress.from(context.remotePeer)
        let presented = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate
        let pipeline = self.pipeline
        try await RPCErrorMapping.mapping {
            try await withDeadline(
                seconds: joinTimeoutSeconds,
                onTimeout: JoinError.accessDenied("join attempt timed out after \(Int(joinTimeoutSeconds))s")
            ) {
                try await pipeline.run(stream, remoteAddress: remote, presentedCertificate: presented)
            }
        }
    }

    func ping(request: Joinery_V1_PingRequest, context: ServerContext) async throws -> Joinery_V1_PingResponse {
        .with {
            $0.clusterName = clusterName
            $0.serverVersion = version
            $0.signatureSuite = JoinPipeline.signatureSuite
        }
    }

    func getClusterCACert(request: Joinery_V1_GetClusterCACertRequest,
                          context: ServerContext) async throws -> Joinery_V1_GetClusterCACertResponse {
        .with { $0.tlsCaCertsPem = Data(authorities.hostCATLSCertificatesPEM.utf8) }
    }
}
