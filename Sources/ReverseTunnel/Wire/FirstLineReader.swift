import NIOCore

/// Reads the one line that opens a connection (a data connection's answer, an SSH route
/// request, the proxy's answer to it), then *holds* every byte that follows until it is
/// removed from the pipeline.
///
/// Holding is what makes the hand-over safe: the peer may send its first session bytes (an SSH
/// banner) in the same read as the line, before whoever takes the connection has added its
/// handlers. Removing this handler (``HeldInput/release(in:)``) passes on what it held, and an
/// end of input it saw, in order.
final class FirstLineReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Why no line was read.
    enum Failure: Error, CustomStringConvertible {
        case tooLong(limit: Int)
        case timedOut
        case closed
        case failed(any Error)

        var description: String {
            switch self {
            case .tooLong(let limit): "the first line is longer than \(limit) bytes"
            case .timedOut: "no complete line arrived in time"
            case .closed: "the connection closed before a complete line arrived"
            case .failed(let error): "\(error)"
            }
        }
    }

    private enum State {
        case reading
        case holding
        case failed
    }

    private let maximumBytes: Int
    private let timeout: TimeAmount
    private var state = State.reading
    private var buffer = ByteBuffer()
    private var inputClosed = false
    private var promise: EventLoopPromise<String>?
    private var deadline: Scheduled<Void>?

    init(maximumBytes: Int = ReverseTunnelProtocols.maximumLineBytes, timeout: Duration) {
        self.maximumBytes = maximumBytes
        self.timeout = TimeAmount(timeout)
    }

    /// The line, without its newline. Valid once the handler is added.
    var line: EventLoopFuture<String> {
        guard let promise else { preconditionFailure("FirstLineReader.line read before the handler was added") }
        return promise.futureResult
    }

    func handlerAdded(context: ChannelHandlerContext) {
        promise = context.eventLoop.makePromise(of: String.self)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (reader, context) = loopBound.value
            reader.fail(.timedOut, context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        let promise = self.promise
        self.promise = nil
        promise?.fail(Failure.closed)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch state {
        case .reading:
            buffer.writeBuffer(&bytes)
            do {
                guard let line = try LineFrameDecoder.readLine(from: &buffer, maximumBytes: maximumBytes) else { return }
                state = .holding
                deadline?.cancel()
                // Whoever takes the line may remove this handler right away, from the callback.
                let promise = self.promise
                self.promise = nil
                promise?.succeed(line)
            } catch {
                fail(.tooLong(limit: maximumBytes), context: context)
            }
        case .holding:
            buffer.writeBuffer(&bytes)
        case .failed:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if state != .holding { context.fireChannelReadComplete() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? ChannelEvent, case .inputClosed = event else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch state {
        case .reading: fail(.closed, context: context)
        case .holding: inputClosed = true
        case .failed: break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state == .reading { fail(.closed, context: context) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if state == .reading { fail(.failed(error), context: context) }
        context.fireErrorCaught(error)
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        if state == .holding {
            if buffer.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(buffer))
                context.fireChannelReadComplete()
                buffer = ByteBuffer()
            }
            if inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        }
        context.leavePipeline(removalToken: removalToken)
    }

    /// Fails the line; the caller decides whether to answer before the connection closes, so
    /// only a timeout or a closed connection closes it here.
    private func fail(_ failure: Failure, context: ChannelHandlerContext) {
        guard state == .reading else { return }
        state = .failed
        deadline?.cancel()
        buffer = ByteBuffer()
        let promise = self.promise
        self.promise = nil
        promise?.fail(failure)
        if case .timedOut = failure { context.close(promise: nil) }
    }
}
