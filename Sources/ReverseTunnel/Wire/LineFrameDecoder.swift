import NIOCore

/// Splits a byte stream into lines (newline removed, a trailing `\r` too) for the long-lived
/// control connection, refusing a line longer than ``maximumBytes``: a peer that sends one is
/// not speaking the protocol, and the error closes the connection instead of growing a buffer.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    /// A line longer than the limit arrived.
    struct LineTooLong: Error, CustomStringConvertible {
        let limit: Int
        var description: String { "a line longer than \(limit) bytes" }
    }

    let maximumBytes: Int

    init(maximumBytes: Int = ReverseTunnelProtocols.maximumLineBytes) {
        self.maximumBytes = maximumBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let line = try LineFrameDecoder.readLine(from: &buffer, maximumBytes: maximumBytes) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial line at the end of the stream is dropped.
        try decode(context: context, buffer: &buffer)
    }

    /// Takes one complete line off the front of `buffer`; nil when none is complete yet.
    static func readLine(from buffer: inout ByteBuffer, maximumBytes: Int) throws -> String? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maximumBytes { throw LineTooLong(limit: maximumBytes) }
            return nil
        }
        let length = newline - buffer.readerIndex
        guard length <= maximumBytes else { throw LineTooLong(limit: maximumBytes) }
        var bytes = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if bytes.readableBytesView.last == UInt8(ascii: "\r") {
            bytes = bytes.getSlice(at: bytes.readerIndex, length: bytes.readableBytes - 1)!
        }
        return String(buffer: bytes)
    }
}
