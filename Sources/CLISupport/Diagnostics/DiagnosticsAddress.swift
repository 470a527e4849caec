import Foundation
import JoinCore

/// Where the diagnostics endpoint listens: `teleport.diag_addr` or `--diag-addr`, written
/// `host:port` (`[v6]:port` for an IPv6 literal), as in Teleport.
///
/// The port is required: unlike the Auth server there is no conventional one, and the
/// endpoint is plain HTTP, so it should be bound to a loopback or management address on
/// purpose, never by default.
public struct DiagnosticsAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; errors are `badParameter` and say what a valid value looks like.
    public init(parsing text: String) throws {
        let example = "write it host:port, e.g. 127.0.0.1:3000"
        let written = text.trimmingCharacters(in: .whitespaces)
        guard !written.contains("://") else {
            throw JoinError.badParameter("the diagnostics address \"\(text)\" is a URL; \(example), without a scheme")
        }
        let hostPart: Substring
        let portPart: Substring
        if written.hasPrefix("[") {
            guard let close = written.firstIndex(of: "]"), written[written.index(after: close)...].hasPrefix(":") else {
                throw JoinError.badParameter("the diagnostics address \"\(text)\" is not [IPv6]:port; \(example)")
            }
            hostPart = written[written.index(after: written.startIndex)..<close]
            portPart = written[written.index(close, offsetBy: 2)...]
        } else {
            guard let colon = written.lastIndex(of: ":"), written.filter({ $0 == ":" }).count == 1 else {
                throw JoinError.badParameter("the diagnostics address \"\(text)\" has no port; \(example)")
            }
            hostPart = written[..<colon]
            portPart = written[written.index(after: colon)...]
        }
        guard !hostPart.isEmpty, !hostPart.contains(where: { $0 == "/" || $0 == " " }) else {
            throw JoinError.badParameter("the diagnostics address \"\(text)\" has no valid host; \(example)")
        }
        guard let port = Int(portPart), (1...65535).contains(port) else {
            throw JoinError.badParameter("the diagnostics address \"\(text)\" has port \"\(portPart)\", which is not 1-65535; \(example)")
        }
        self.init(host: String(hostPart), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
