import NIOCore

/// Sits on the NIO pipe channel that writes to a session process's stdin (pipes only; with a
/// PTY the ``ProcessOutputForwarder`` on the master does this): tells the session when the pipe
/// drained so it reads client data again, and closes the pipe on a write error (EPIPE: the
/// process closed its stdin), dropping what the client still sends.
final class ProcessInputWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let session: NIOLoopBound<SessionChannelHandler>

    init(session: NIOLoopBound<SessionChannelHandler>) {
        self.session = session
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { session.value.processInputWritable() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
        session.value.processInputWritable()
    }
}
