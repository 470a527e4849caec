import Logging
import NIOCore

/// The proxy's end of a control connection once it is registered: pings the node every
/// interval and closes the tunnel when `allowedMisses` pings in a row go unanswered, so a node
/// that vanished without a FIN (a dropped NAT entry, a powered-off host) stops being routed to.
///
/// The node only ever sends `pong` here; any other line is not the protocol, and closes the
/// tunnel.
final class TunnelKeepAlive: ChannelInboundHandler {
    typealias InboundIn = String

    private let interval: TimeAmount
    private let allowedMisses: Int
    private let hostID: String
    private let logger: Logger
    /// Called once when the tunnel is given up, before its (graceful, possibly slow) close
    /// completes, so the proxy stops routing to it at once.
    private let onDead: () -> Void
    private var unanswered = 0
    private var task: RepeatedTask?

    init(interval: Duration, allowedMisses: Int, hostID: String, logger: Logger, onDead: @escaping () -> Void) {
        self.onDead = onDead
        self.interval = TimeAmount(interval)
        self.allowedMisses = allowedMisses
        self.hostID = hostID
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        task = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (keepAlive, context) = bound.value
            keepAlive.tick(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        task?.cancel()
        task = nil
    }

    private func tick(context: ChannelHandlerContext) {
        guard unanswered < allowedMisses else {
            logger.warning("node's reverse tunnel stopped answering keepalives; closing it",
                           metadata: ["host_id": "\(hostID)", "missed": "\(unanswered)"])
            giveUp(context: context)
            return
        }
        unanswered += 1
        context.writeAndFlush(NIOAny(ByteBuffer(string: TunnelMessage.ping.line)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard task != nil else { return }
        guard TunnelMessage(line: unwrapInboundIn(data))?.type == .pong else {
            logger.warning("node sent something other than a keepalive answer on its reverse tunnel; closing it",
                           metadata: ["host_id": "\(hostID)"])
            giveUp(context: context)
            return
        }
        unanswered = 0
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("node's reverse tunnel failed", metadata: ["host_id": "\(hostID)", "error": "\(error)"])
        giveUp(context: context)
    }

    private func giveUp(context: ChannelHandlerContext) {
        task?.cancel()
        task = nil
        onDead()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        task?.cancel()
        task = nil
        context.fireChannelInactive()
    }
}
