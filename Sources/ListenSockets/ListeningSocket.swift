import JoinCore
#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket bound and listening with a chosen backlog, made before a server transport
/// takes it over.
///
/// grpc-swift-nio-transport builds its own bootstrap and offers no backlog option, but it
/// accepts a socket that is already listening. NIO calls `listen(fd, 128)` on it once more as
/// it registers the socket, so the server raises the backlog again with ``setBacklog(_:)`` once
/// the transport reports it is listening (Linux lets `listen` change the queue of a listening
/// socket). Binding here also turns a taken port into an error that says what to do.
public struct ListeningSocket: Sendable {
    /// The descriptor; the transport owns it (and closes it) once handed over.
    public let descriptor: Int32
    public let backlog: ListenBacklog

    /// Binds `host:port` (an IPv4 or IPv6 literal) and listens.
    ///
    /// - Parameters:
    ///   - setting: the configuration key naming the address, for the error message.
    ///   - holder: who might already hold the port ("another Auth server").
    public static func open(host: String, port: Int, backlog: ListenBacklog, setting: String,
                            holder: String) throws -> ListeningSocket {
        guard let address = SocketAddressBytes(host: host, port: port) else {
            throw JoinError.badParameter("\(setting): \"\(host)\" is not an IP address")
        }
        let descriptor = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else {
            throw JoinError.unavailable("cannot listen on \(address): \(String(cString: strerror(errno)))")
        }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        let bound = address.withSockaddr { bind(descriptor, $0, $1) }
        guard bound == 0, listen(descriptor, Int32(clamping: backlog.requested)) == 0 else {
            let code = errno
            close(descriptor)
            let reason = code == EADDRINUSE
                ? "the address is already in use (is \(holder) running?)"
                : String(cString: strerror(code))
            throw JoinError.unavailable("cannot listen on \(address): \(reason); change \(setting) or stop the other process")
        }
        return ListeningSocket(descriptor: descriptor, backlog: backlog)
    }

    /// Closes the socket when it was never handed to a transport (start-up failed after
    /// binding); once a transport has it, the transport closes it.
    public func closeUnused() {
        close(descriptor)
    }

    /// Asks the kernel again for this socket's backlog, undoing the 128 a transport set while
    /// taking the socket over. Call it once the transport reports it is listening.
    public func setBacklog() throws {
        guard listen(descriptor, Int32(clamping: backlog.requested)) == 0 else {
            throw JoinError.unavailable("cannot set the listen backlog to \(backlog.requested): \(String(cString: strerror(errno)))")
        }
    }
}
