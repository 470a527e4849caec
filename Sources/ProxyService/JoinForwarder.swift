import GRPCCore
import JoinCore
import JoineryProto
import Logging

/// The Proxy Service's `JoinService` (spec §9.1, Teleport's forwarding server): each join
/// stream a client opens with the proxy is carried to the Auth server on the proxy's own mTLS
/// connection, message for message. The first message gains `forwarded_by_proxy` with the
/// client's real address, which the Auth server accepts because the caller holds a Proxy
/// certificate; nothing else is changed, so every method's challenges pass through untouched.
/// Errors from the Auth server reach the client with their status and message.
struct JoinForwarder<Transport: ClientTransport>: Joinery_V1_JoinService.SimpleServiceProtocol {
    let auth: Joinery_V1_JoinService.Client<Transport>
    let origins: ConnectionOrigins
    /// The longest one forwarded join may last.
    let joinTimeout: Duration
    let logger: Logger

    func join(request: RPCAsyncSequence<Joinery_V1_JoinRequest, any Error>,
              response: RPCWriter<Joinery_V1_JoinResponse>, context: ServerContext) async throws {
        let client = origins.clientAddress(forPeer: context.remotePeer)
        let upstream = StreamingClientRequest<Joinery_V1_JoinRequest> { writer in
            var isFirst = true
            for try await message in request {
                var message = message
                if isFirst {
                    isFirst = false
                    guard case .clientInit(var clientInit)? = message.payload else {
                        throw RPCError(code: .invalidArgument, message: "the first join message must be ClientInit")
                    }
                    // Whatever a client put here itself is replaced: only the proxy says where a
                    // client is.
                    clientInit.forwardedByProxy = .with {
                        $0.remoteAddr = client
                        $0.clientVersion = clientInit.clientVersion
                    }
                    message.clientInit = clientInit
                }
                try await writer.write(message)
            }
        }
        var options = CallOptions.defaults
        options.timeout = joinTimeout
        logger.debug("forwarding a join stream to the Auth server", metadata: ["remote_addr": "\(client)"])
        try await auth.join(request: upstream, options: options) { answers in
            for try await answer in answers.messages {
                try await response.write(answer)
            }
        }
    }

    func ping(request: Joinery_V1_PingRequest, context: ServerContext) async throws -> Joinery_V1_PingResponse {
        try await auth.ping(request)
    }

    func getClusterCACert(request: Joinery_V1_GetClusterCACertRequest,
                          context: ServerContext) async throws -> Joinery_V1_GetClusterCACertResponse {
        try await auth.getClusterCACert(request)
    }
}
