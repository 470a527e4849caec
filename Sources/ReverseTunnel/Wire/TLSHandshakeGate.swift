import NIOCore
import NIOTLS

/// Sits behind a client's inner TLS handler: reports when the handshake is done (or why it is
/// not), and holds whatever the server sends afterwards until it is removed, for the same
/// reason as ``FirstLineReader``: the bytes must reach the handlers of whoever takes the
/// connection, which are added after the handshake.
final class TLSHandshakeGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The handshake did not complete; `error` is what the TLS handler reported, if anything.
    struct NotCompleted: Error {
        let error: (any Error)?
    }

    private var promise: EventLoopPromise<Void>?
    private var held = ByteBuffer()
    private var inputClosed = false

    /// Succeeds once the handshake completed. Valid once the handler is added.
    var completed: EventLoopFuture<Void> {
        guard let promise else { preconditionFailure("TLSHandshakeGate.completed read before the handler was added") }
        return promise.futureResult
    }

    func handlerAdded(context: ChannelHandlerContext) {
        promise = context.eventLoop.makePromise(of: Void.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        let promise = self.promise
        self.promise = nil
        promise?.fail(NotCompleted(error: nil))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            let promise = self.promise
            self.promise = nil
            promise?.succeed()
        } else if let event = event as? ChannelEvent, case .inputClosed = event {
            inputClosed = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        held.writeBuffer(&bytes)
    }

    func channelReadComplete(context: ChannelHandlerContext) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let promise {
            self.promise = nil
            promise.fail(NotCompleted(error: error))
            context.close(promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let promise = self.promise
        self.promise = nil
        promise?.fail(NotCompleted(error: nil))
        context.fireChannelInactive()
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        if held.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(held))
            context.fireChannelReadComplete()
            held = ByteBuffer()
        }
        if inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        context.leavePipeline(removalToken: removalToken)
    }
}

/// Releasing what ``FirstLineReader`` and ``TLSHandshakeGate`` hold once a connection's
/// handlers are in place.
public enum HeldInput {
    /// Removes the holding handlers from `channel`'s pipeline, passing on the bytes (and any
    /// end of input) they held. Call on the channel's event loop, after adding your handlers.
    public static func release(in channel: any Channel) {
        releaseHandshakeGate(in: channel)
        let pipeline = channel.pipeline.syncOperations
        if let reader = try? pipeline.handler(type: FirstLineReader.self) {
            pipeline.removeHandler(reader, promise: nil)
        }
    }

    /// Removes only the handshake gate: for a client about to read its first line.
    static func releaseHandshakeGate(in channel: any Channel) {
        let pipeline = channel.pipeline.syncOperations
        if let gate = try? pipeline.handler(type: TLSHandshakeGate.self) {
            pipeline.removeHandler(gate, promise: nil)
        }
    }
}
