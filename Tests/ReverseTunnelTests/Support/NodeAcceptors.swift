import NIOCore
import ReverseTunnel
import Synchronization

/// What a test node does with each session its agent hands over: echo the bytes back (and end
/// its output when the input ends, so half-closes are visible end to end), after an optional
/// banner sent at once, as an SSH server sends its version line. Records the client addresses.
final class EchoNode: Sendable {
    private let banner: String?
    private let recorded = Mutex<[String]>([])

    init(banner: String? = nil) {
        self.banner = banner
    }

    var clientAddresses: [String] { recorded.withLock { $0 } }

    var acceptor: ReverseTunnelAgent.Acceptor {
        { [self] channel, clientAddress in
            recorded.withLock { $0.append(clientAddress) }
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(EchoHandler())
                if let banner {
                    channel.writeAndFlush(ByteBuffer(string: banner), promise: nil)
                }
            }
        }
    }
}

final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            context.close(mode: .output, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// A resolver the test fills: `target` → node.
final class TestResolver: NodeResolver {
    private let table = Mutex<[String: ResolvedNode]>([:])
    private let asked = Mutex<[(target: String, user: String)]>([])

    func add(_ names: [String], _ node: ResolvedNode) {
        table.withLock { for name in names { $0[name] = node } }
    }

    var requests: [(target: String, user: String)] { asked.withLock { $0 } }

    func resolve(target: String, user: String) async throws -> ResolvedNode {
        asked.withLock { $0.append((target, user)) }
        guard let node = table.withLock({ $0[target] }) else {
            throw TestFailure("no node \(target)")
        }
        return node
    }
}

extension ByteStreamChannel.Stream {
    /// Writes `text`, ends our output, and returns everything the other side sent until it
    /// ended its own.
    func sendAndCollect(_ text: String) async throws -> String {
        try await executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: text))
            outbound.finish()
            var received = ""
            for try await bytes in inbound { received += String(buffer: bytes) }
            return received
        }
    }
}
