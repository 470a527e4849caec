import NIOCore

/// Closes a connection that has not authenticated within its deadline (handshake included), so
/// a client that connects and stalls cannot hold a socket and a handshake state for ever.
/// Authenticated connections are left alone: their sessions may idle as long as they like.
final class UnauthenticatedConnectionTimeout: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let deadline: TimeAmount
    private let connection: ConnectionContext
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount, connection: ConnectionContext) {
        self.deadline = deadline
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let connection = connection
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: deadline) {
            guard connection.authenticatedLogin == nil else { return }
            connection.services.logger.info("SSH connection closed: not authenticated in time", metadata: [
                "client": "\(connection.clientAddress)",
            ])
            boundContext.value.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}
