import Foundation
import JoinCore
import NIOCore
import Synchronization

/// The node's side of one control connection, from its first line to its end: says it is the
/// control connection, waits for the proxy's `ready` (and the keepalive interval in it),
/// answers pings, and passes each dial request on.
///
/// A watchdog closes the connection when the proxy has been silent for
/// `allowedMisses` keepalive intervals (before `ready`: for the ready timeout): a proxy that
/// vanished without a FIN would otherwise keep the node "connected" to nothing.
struct ControlConnection {
    /// A dial request from the proxy.
    struct DialRequest: Sendable {
        let id: String
        let clientAddress: String
    }

    let channel: any Channel
    let readyTimeout: Duration
    let allowedMisses: Int

    /// Runs the connection. Throws when it never became ready; once `onReady` was called,
    /// returns why it ended.
    func run(onReady: () -> Void, answer: @escaping @Sendable (DialRequest) async -> Void) async throws -> String {
        let channel = self.channel
        let stream = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder()))
            let stream = try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
            HeldInput.release(in: channel)
            return stream
        }.get()
        let silence = SilenceWatch(limit: readyTimeout)
        return try await withTaskCancellationHandler {
            try await stream.executeThenClose { inbound, outbound in
                try await withThrowingDiscardingTaskGroup(returning: String.self) { group in
                    group.addTask { await silence.watch(channel) }
                    defer { channel.close(promise: nil) }
                    var lines = inbound.makeAsyncIterator()
                    let first: String?
                    do {
                        try await outbound.write(ByteBuffer(string: TunnelMessage.control.line))
                        first = try await lines.next()
                    } catch {
                        // TLS 1.3 finishes the client's handshake before the server has judged
                        // the client's certificate: a refusal arrives as the first thing read.
                        throw JoinError.accessDenied("the Proxy Service refused the reverse tunnel (\(TLSFailureText.describe(error))); "
                            + "is this node's certificate issued by this cluster's host CA, and of the Node role?")
                    }
                    guard let first else {
                        throw silence.expired
                            ? JoinError.unavailable("the Proxy Service did not accept the reverse tunnel in time")
                            : JoinError.accessDenied("the Proxy Service closed the reverse tunnel before accepting it; "
                                + "is this node's certificate issued by this cluster's host CA, and of the Node role?")
                    }
                    guard let ready = TunnelMessage(line: first), ready.type == .ready,
                          let interval = ready.keepAliveMilliseconds, interval > 0 else {
                        throw JoinError.unavailable("the Proxy Service did not answer as a reverse tunnel server")
                    }
                    silence.heard(limit: .milliseconds(interval) * allowedMisses)
                    onReady()
                    do {
                        while let line = try await lines.next() {
                            silence.heard()
                            guard let message = TunnelMessage(line: line) else {
                                return "the Proxy Service sent something that is not a tunnel message"
                            }
                            switch message.type {
                            case .ping:
                                try await outbound.write(ByteBuffer(string: TunnelMessage.pong.line))
                            case .dial:
                                guard let id = message.dialID, !id.isEmpty else {
                                    return "the Proxy Service sent a dial request without an ID"
                                }
                                let request = DialRequest(id: id, clientAddress: message.clientAddress ?? "unknown")
                                group.addTask { await answer(request) }
                            default:
                                return "the Proxy Service sent an unexpected \(message.type.rawValue) message"
                            }
                        }
                    } catch {
                        return "the control connection failed: \(error)"
                    }
                    return silence.expired
                        ? "no keepalive from the Proxy Service for \(allowedMisses) intervals of \(interval) ms"
                        : "the Proxy Service closed the tunnel"
                }
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// When the proxy was last heard from, and the watchdog that closes the connection after too
/// long a silence.
final class SilenceWatch: Sendable {
    private struct State {
        var last = ContinuousClock.now
        var limit: Duration
        var expired = false
    }

    private let state: Mutex<State>

    init(limit: Duration) {
        state = Mutex(State(limit: limit))
    }

    var expired: Bool { state.withLock { $0.expired } }

    func heard(limit: Duration? = nil) {
        state.withLock {
            $0.last = .now
            if let limit { $0.limit = limit }
        }
    }

    /// Closes `channel` once the silence exceeds the limit; returns when the channel is closed
    /// or the task is cancelled.
    func watch(_ channel: any Channel) async {
        while channel.isActive {
            let limit = state.withLock { $0.limit }
            do {
                try await Task.sleep(for: min(limit / 4, .milliseconds(250)))
            } catch {
                return
            }
            let silent = state.withLock { state -> Bool in
                guard ContinuousClock.now - state.last > state.limit else { return false }
                state.expired = true
                return true
            }
            if silent {
                channel.close(promise: nil)
                return
            }
        }
    }
}
