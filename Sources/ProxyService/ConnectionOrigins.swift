import Synchronization

/// Which client each relayed connection belongs to.
///
/// gRPC connections arriving on the web port are relayed, decrypted, to the proxy's internal
/// gRPC server on loopback. That server sees the relay's own loopback address as the peer, so
/// the relay records `local port of the relay connection → the client's address` here, before
/// any byte flows, and the join forwarder looks the client up by the peer's port. A connection
/// made to the internal port by anything but the relay is found in no entry and keeps its own
/// (loopback) address: nothing can claim another client's address.
public final class ConnectionOrigins: Sendable {
    private let entries = Mutex<[Int: String]>([:])

    public init() {}

    package func register(relayPort: Int, clientAddress: String) {
        entries.withLock { $0[relayPort] = clientAddress }
    }

    package func remove(relayPort: Int) {
        _ = entries.withLock { $0.removeValue(forKey: relayPort) }
    }

    /// The client behind a gRPC peer description such as `ipv4:127.0.0.1:40123`, or the
    /// peer's own `address:port` when no relay registered it.
    package func clientAddress(forPeer peer: String) -> String {
        var address = peer
        for prefix in ["ipv4:", "ipv6:"] where address.hasPrefix(prefix) {
            address = String(address.dropFirst(prefix.count))
        }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            return address
        }
        return entries.withLock { $0[port] } ?? address
    }

    package var count: Int { entries.withLock { $0.count } }
}
