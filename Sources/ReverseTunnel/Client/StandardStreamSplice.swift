import NIOCore
import NIOPosix

/// Copies between a stream to a node and a pair of descriptors (standard input and output) the
/// way OpenSSH's `ProxyCommand` needs it.
///
/// The two ends of input are not alike. When the node's side ends, nothing more can come for
/// the SSH client: output is closed and the splice returns at once, without waiting for input
/// (which the SSH client may keep open). When input ends, only our direction to the node is
/// half-closed; the node may still be sending its last messages (exit status, channel close),
/// so the splice goes on until the node's side ends too.
public enum StandardStreamSplice {
    /// The descriptors are taken over and closed at the end; they must be pipes, sockets or
    /// terminals (not regular files), and distinct.
    public static func run(_ remote: ByteStreamChannel.Stream, input: CInt, output: CInt) async throws {
        let local = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .takingOwnershipOfDescriptors(input: input, output: output) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try ByteStreamChannel.Stream(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        try await local.executeThenClose { localIn, localOut in
            try await remote.executeThenClose { remoteIn, remoteOut in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await ByteStreamSplice.copy(localIn, to: remoteOut) }
                    try await ByteStreamSplice.copy(remoteIn, to: localOut)
                    group.cancelAll()
                }
            }
        }
    }
}
