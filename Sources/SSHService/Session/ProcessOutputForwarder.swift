import NIOCore
import NIOSSH

/// Which of a session process's output streams a pipe channel carries. With a PTY, the master
/// carries everything as `.output`.
enum ProcessStream: Sendable, Equatable {
    case output
    case errorOutput
}

/// Sits on a NIO pipe channel reading a session process's stdout, stderr or PTY master and
/// writes what it reads to the SSH session channel as channel data (stdout, PTY) or extended
/// data (stderr). It stops reading while the SSH channel cannot take more (the client's window
/// is full) — the session handler resumes it — and tells the session when the stream ended:
/// EOF on a pipe, EIO on a PTY master whose slave was closed.
final class ProcessOutputForwarder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let stream: ProcessStream
    private let session: NIOLoopBound<SessionChannelHandler>
    private let sshChannel: any Channel
    private var ended = false

    init(stream: ProcessStream, session: NIOLoopBound<SessionChannelHandler>, sshChannel: any Channel) {
        self.stream = stream
        self.session = session
        self.sshChannel = sshChannel
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        let type: SSHChannelData.DataType = stream == .errorOutput ? .stdErr : .channel
        sshChannel.write(SSHChannelData(type: type, data: .byteBuffer(bytes)), promise: nil)
        if !sshChannel.isWritable {
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        sshChannel.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            end()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // With a PTY the master also takes the client's input: it drained, take client data again.
        if context.channel.isWritable {
            session.value.processInputWritable()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A PTY master reads EIO once the last slave descriptor is closed: that is its EOF.
        end()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        end()
        context.fireChannelInactive()
    }

    private func end() {
        guard !ended else { return }
        ended = true
        sshChannel.flush()
        session.value.processOutputEnded(stream)
    }
}
