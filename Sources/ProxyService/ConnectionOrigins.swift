import NIOCore
import Synchronization

/// Which client each relayed connection belongs to.
///
/// gRPC connections arriving on the web port are relayed, decrypted, to the proxy's internal
/// gRPC server on loopback. That server sees the relay's own loopback address as the peer, so
/// the relay records `the relay connection's full local address (ip and port) → the client's
/// address` here, before any byte flows, and the join forwarder looks the client up by the
/// peer's full address.
///
/// The whole address is the key, never the port alone: every address in 127.0.0.0/8 reaches
/// the internal server, so a local process can connect from `127.0.0.2` with the same source
/// port as a live relay on `127.0.0.1`. While a relay is connected, the kernel keeps its
/// (address, port) pair unique towards the internal server, so an exact match can only be that
/// relay. A connection made to the internal port by anything but the relay is found in no
/// entry and keeps its own (loopback) address: nothing can claim another client's address.
public final class ConnectionOrigins: Sendable {
    /// One relay's entry, returned by ``register(relay:clientAddress:)`` so that only the
    /// connection that made it can remove it (a late close never removes a newer entry).
    package struct Registration: Sendable, Hashable {
        package let relay: String
        let serial: UInt64
    }

    private struct Entry {
        var client: String
        var serial: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var nextSerial: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Records that the relay connection whose local address is `relay` carries
    /// `clientAddress`; `nil` when the address has no IP and port to match on.
    package func register(relay: SocketAddress, clientAddress: String) -> Registration? {
        guard let key = Self.key(for: relay) else { return nil }
        return state.withLock { state in
            state.nextSerial += 1
            state.entries[key] = Entry(client: clientAddress, serial: state.nextSerial)
            return Registration(relay: key, serial: state.nextSerial)
        }
    }

    /// Forgets `registration`, unless its address has since been registered again.
    package func remove(_ registration: Registration) {
        state.withLock { state in
            if state.entries[registration.relay]?.serial == registration.serial {
                state.entries.removeValue(forKey: registration.relay)
            }
        }
    }

    /// The client behind a gRPC peer description such as `ipv4:127.0.0.1:40123`, or the
    /// peer's own `address:port` when no relay registered exactly that address.
    package func clientAddress(forPeer peer: String) -> String {
        var address = peer
        for prefix in ["ipv4:", "ipv6:"] where address.hasPrefix(prefix) {
            address = String(address.dropFirst(prefix.count))
        }
        return state.withLock { $0.entries[address]?.client } ?? address
    }

    package var count: Int { state.withLock { $0.entries.count } }

    /// The relay addresses registered now (`127.0.0.1:40123`), for diagnostics.
    package var relayAddresses: [String] { state.withLock { Array($0.entries.keys) } }

    /// `ip:port`, IPv6 in brackets: the form gRPC's peer descriptions use after their
    /// `ipv4:`/`ipv6:` prefix.
    package static func key(for address: SocketAddress) -> String? {
        guard let ip = address.ipAddress, let port = address.port else { return nil }
        switch address {
        case .v6: return "[\(ip)]:\(port)"
        default: return "\(ip):\(port)"
        }
    }
}
