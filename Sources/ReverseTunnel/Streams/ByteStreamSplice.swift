import NIOCore

/// Copies bytes both ways between two streams until both directions have ended, then closes
/// both: how the proxy joins a user's connection to a node's.
///
/// The channels may live on different event loops (a node's data connection arrives wherever
/// the web port accepted it), which is why this copies with async streams rather than gluing
/// pipelines. Back-pressure comes with them: a direction waits while its destination is not
/// writable. An end of input in one direction becomes a half-close of the other side's output
/// (SSH clients and servers rely on it), and the splice ends once both directions have; a
/// write to a side that has gone away ends it at once. Cancelling the task closes both.
public enum ByteStreamSplice {
    public static func run(_ first: ByteStreamChannel.Stream, _ second: ByteStreamChannel.Stream) async throws {
        let channels = (first.channel, second.channel)
        try await withTaskCancellationHandler {
            try await first.executeThenClose { firstIn, firstOut in
                try await second.executeThenClose { secondIn, secondOut in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await copy(firstIn, to: secondOut) }
                        group.addTask { try await copy(secondIn, to: firstOut) }
                        try await group.waitForAll()
                    }
                }
            }
        } onCancel: {
            channels.0.close(promise: nil)
            channels.1.close(promise: nil)
        }
    }

    /// One direction: everything `input` yields, then the end of `output`.
    static func copy(_ input: NIOAsyncChannelInboundStream<ByteBuffer>, to output: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        for try await bytes in input {
            try await output.write(bytes)
        }
        output.finish()
    }
}
