#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// Puts a session process's descriptors on NIO pipe channels on the session's event loop: the
/// PTY master as one channel (read: output, write: input), or stdout, stderr and stdin as three.
/// NIO then owns the descriptors and reads them without blocking any thread.
enum ProcessPipes {
    struct Attached {
        var outputs: [any Channel]
        /// Where the client's data goes (the PTY channel itself, or the stdin pipe).
        var input: (any Channel)?
    }

    static func attach(_ process: SpawnedSessionProcess, session: NIOLoopBound<SessionChannelHandler>,
                       sshChannel: any Channel) -> EventLoopFuture<Attached> {
        let eventLoop = sshChannel.eventLoop
        if let master = process.ptyMaster {
            return reader(.output, session: session, sshChannel: sshChannel)
                .takingOwnershipOfDescriptor(inputOutput: master)
                .closingOnFailure(master)
                .map { Attached(outputs: [$0], input: $0) }
        }
        guard let pipes = process.pipes else {
            return eventLoop.makeFailedFuture(ChannelError.inputClosed)
        }
        let stdout = reader(.output, session: session, sshChannel: sshChannel)
            .takingOwnershipOfDescriptor(input: pipes.stdout).closingOnFailure(pipes.stdout)
        let stderr = reader(.errorOutput, session: session, sshChannel: sshChannel)
            .takingOwnershipOfDescriptor(input: pipes.stderr).closingOnFailure(pipes.stderr)
        let stdin = NIOPipeBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ProcessInputWatcher(session: session))
                }
            }
            .takingOwnershipOfDescriptor(output: pipes.stdin).closingOnFailure(pipes.stdin)
        return EventLoopFuture.whenAllComplete([stdout, stderr, stdin], on: eventLoop).flatMapThrowing { results in
            let channels = results.compactMap { try? $0.get() }
            guard channels.count == results.count else {
                for channel in channels { channel.close(promise: nil) }
                for case .failure(let error) in results { throw error }
                throw ChannelError.inputClosed
            }
            return Attached(outputs: [channels[0], channels[1]], input: channels[2])
        }
    }

    private static func reader(_ stream: ProcessStream, session: NIOLoopBound<SessionChannelHandler>,
                               sshChannel: any Channel) -> NIOPipeBootstrap {
        NIOPipeBootstrap(group: sshChannel.eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ProcessOutputForwarder(stream: stream, session: session, sshChannel: sshChannel))
                }
            }
    }
}

extension EventLoopFuture where Value == any Channel {
    /// On failure NIO leaves the descriptor to the caller: close it.
    fileprivate func closingOnFailure(_ descriptor: CInt) -> EventLoopFuture<any Channel> {
        flatMapErrorThrowing { error in
            _ = close(descriptor)
            throw error
        }
    }
}
