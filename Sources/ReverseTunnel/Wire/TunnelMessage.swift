import Foundation

/// One message on a reverse tunnel connection: a JSON object on one line, at most
/// ``ReverseTunnelProtocols/maximumLineBytes`` long.
///
/// The conversation:
/// - the node opens a connection and, once the inner mTLS handshake is done, says what it is:
///   `{"type":"control"}` for its one control connection, `{"type":"data","dial_id":"…"}`
///   for a connection answering a dial request;
/// - on the control connection the proxy answers `{"type":"ready","keepalive_ms":10000}`,
///   then sends `{"type":"ping"}` every `keepalive_ms` and
///   `{"type":"dial","dial_id":"…","client_addr":"203.0.113.5:51234"}` for each session;
///   the node answers each ping with `{"type":"pong"}`;
/// - a data connection carries the session's bytes after its first line.
///
/// Who the node is never travels in a message: the proxy takes the host ID from the client
/// certificate it verified in the handshake.
struct TunnelMessage: Codable, Equatable, Sendable {
    enum Kind: String, Codable, Sendable {
        case control, data, ready, ping, pong, dial
    }

    var type: Kind
    var dialID: String?
    var clientAddress: String?
    var keepAliveMilliseconds: Int?

    enum CodingKeys: String, CodingKey {
        case type
        case dialID = "dial_id"
        case clientAddress = "client_addr"
        case keepAliveMilliseconds = "keepalive_ms"
    }

    static let control = TunnelMessage(type: .control)
    static let ping = TunnelMessage(type: .ping)
    static let pong = TunnelMessage(type: .pong)

    static func data(dialID: String) -> TunnelMessage { TunnelMessage(type: .data, dialID: dialID) }

    static func dial(id: String, clientAddress: String) -> TunnelMessage {
        TunnelMessage(type: .dial, dialID: id, clientAddress: clientAddress)
    }

    static func ready(keepAlive: Duration) -> TunnelMessage {
        TunnelMessage(type: .ready, keepAliveMilliseconds: Int(keepAlive / .milliseconds(1)))
    }

    /// The message as one line, newline included.
    var line: String { JSONLine.encode(self) }

    /// Reads one line (without its newline); nil for anything that is not a message.
    init?(line: String) {
        guard let message = JSONLine.decode(TunnelMessage.self, from: line) else { return nil }
        self = message
    }

    init(type: Kind, dialID: String? = nil, clientAddress: String? = nil, keepAliveMilliseconds: Int? = nil) {
        self.type = type
        self.dialID = dialID
        self.clientAddress = clientAddress
        self.keepAliveMilliseconds = keepAliveMilliseconds
    }
}

/// JSON objects one per line, as both routes speak them.
enum JSONLine {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own message types cannot fail.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func decode<T: Decodable>(_ type: T.Type, from line: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(line.utf8))
    }
}
