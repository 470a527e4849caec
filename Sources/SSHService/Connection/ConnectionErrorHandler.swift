import Logging
import NIOCore

/// The last handler of an SSH connection: any error that reaches it (a protocol violation, a
/// failed key exchange, a reset) ends the connection, logged at debug level since clients cause
/// most of them.
final class ConnectionErrorHandler: ChannelInboundHandler {
    typealias InboundIn = Any

    private let logger: Logger
    private let clientAddress: String

    init(logger: Logger, clientAddress: String) {
        self.logger = logger
        self.clientAddress = clientAddress
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("SSH connection error", metadata: ["client": "\(clientAddress)", "error": "\(error)"])
        context.close(promise: nil)
    }
}
