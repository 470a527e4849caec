import JoinCore
#if canImport(Glibc)
import Glibc
#endif

/// Checks, before the gRPC server starts, that the listen address can be bound, so that a
/// taken port or a foreign address fails at once with an error that says what to do (the
/// transport alone reports nothing useful in that case).
enum ListenAddressCheck {
    static func ensureAvailable(host: String, port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw JoinError.badParameter("auth_service.listen_addr: \"\(host)\" is not an IPv4 address")
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let reason = errno == EADDRINUSE
                ? "the address is already in use (is another Auth server running?)"
                : String(cString: strerror(errno))
            throw JoinError.unavailable("cannot listen on \(host):\(port): \(reason); change auth_service.listen_addr or stop the other process")
        }
    }
}
