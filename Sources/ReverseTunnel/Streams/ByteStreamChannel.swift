import NIOCore

/// A connection of this module as an async byte stream: the form sessions are spliced in.
///
/// Wrapping does the two things every hand-over needs, on the channel's loop and in this
/// order: add the async handlers, then release the bytes the connection's first-line reader
/// or handshake gate held (``HeldInput``), so nothing the peer sent early is lost. Outbound
/// half-closure is on: finishing the writer ends only our direction (TLS `close_notify`, TCP
/// `FIN`), and the peer's end of input arrives as the end of the inbound stream.
public enum ByteStreamChannel {
    public typealias Stream = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    public static func wrap(_ channel: any Channel) async throws -> Stream {
        try await channel.eventLoop.submit {
            let stream = try Stream(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
            HeldInput.release(in: channel)
            return stream
        }.get()
    }
}
