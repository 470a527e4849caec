import Foundation
import GRPCCore
import JoinCore
import NIOCore
import NIOPosix
import NIOSSL

/// Why a connection failed, in a few plain words ("connection refused", "timed out after
/// 10000 ms"), read from the errors gRPC, NIO and NIOSSL raise.
///
/// Their own descriptions are written for the people who maintain those libraries: they name
/// types and states (`RPCError`, `code: unavailable`, "Channel is in a transient failure state
/// and 'wait for ready' isn't enabled"), errno numbers and nested causes. An operator reading
/// a heartbeat warning needs only what happened on the wire, so messages that reach the log or
/// the terminal use ``text`` instead, and ``kind`` lets a caller add what it knows (that a
/// Proxy Service sat in between, for one).
public struct ConnectionFailureReason: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Nothing listens there (ECONNREFUSED).
        case refused
        /// The peer accepted the connection, then closed or reset it.
        case closed
        case timedOut
        /// The host name could not be resolved.
        case unresolved
        /// The TLS handshake failed for another reason than the peer closing.
        case tls
        case other
    }

    public let kind: Kind
    public let text: String

    public var description: String { text }

    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }

    /// Reads `error`, following an `RPCError`'s cause to the error underneath.
    public init(_ error: any Error) {
        switch error {
        case let error as RPCError:
            if let cause = error.cause {
                self.init(cause)
            } else if error.code == .deadlineExceeded {
                self.init(kind: .timedOut, text: "no answer in time")
            } else {
                self.init(rpcMessage: error.message)
            }
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first {
                self.init(first.error)
            } else if error.dnsAError != nil || error.dnsAAAAError != nil {
                self.init(kind: .unresolved, text: "the host name could not be resolved")
            } else {
                self.init(kind: .other, text: "no address of the host could be connected to")
            }
        case let error as ChannelError:
            self.init(channelError: error)
        case let error as IOError:
            self.init(errno: error.errnoCode)
        case let error as NIOSSLError:
            if case .handshakeFailed = error, "\(error)".contains("EOF") {
                self.init(kind: .closed, text: "the connection was closed during the TLS handshake")
            } else if case .uncleanShutdown = error {
                self.init(kind: .closed, text: "the connection was closed without a TLS close")
            } else {
                self.init(kind: .tls, text: "the TLS handshake failed")
            }
        case let error as JoinError:
            self.init(kind: .other, text: error.message)
        default:
            self.init(kind: .other, text: "\(error)")
        }
    }

    private init(errno code: Int32) {
        switch code {
        case ECONNREFUSED: self.init(kind: .refused, text: "connection refused")
        case ECONNRESET, EPIPE: self.init(kind: .closed, text: "the connection was reset")
        case ETIMEDOUT: self.init(kind: .timedOut, text: "timed out")
        case EHOSTUNREACH: self.init(kind: .other, text: "no route to host")
        case ENETUNREACH: self.init(kind: .other, text: "network is unreachable")
        default: self.init(kind: .other, text: String(cString: strerror(code)).lowercased())
        }
    }

    private init(channelError: ChannelError) {
        switch channelError {
        case .connectTimeout(let after):
            self.init(kind: .timedOut, text: "timed out after \(after.nanoseconds / 1_000_000) ms")
        case .ioOnClosedChannel, .eof, .alreadyClosed, .outputClosed, .inputClosed:
            self.init(kind: .closed, text: "the connection was closed")
        default:
            self.init(kind: .other, text: "\(channelError)")
        }
    }

    /// gRPC's own messages, for an `RPCError` without a cause: the one that matters is the
    /// peer closing before HTTP/2 started; the "transient failure" preamble is dropped.
    private init(rpcMessage: String) {
        if rpcMessage.contains("closed the connection before completing the HTTP/2 connection preface") {
            self.init(kind: .closed, text: "the connection was closed before HTTP/2 started")
            return
        }
        let preamble = "Channel is in a transient failure state and 'wait for ready' isn't enabled. "
        var text = rpcMessage.hasPrefix(preamble) ? String(rpcMessage.dropFirst(preamble.count)) : rpcMessage
        if text.hasSuffix(".") { text.removeLast() }
        self.init(kind: .other, text: text.isEmpty ? "no reason given" : text)
    }
}
