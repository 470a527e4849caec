/// Turns gRPC's peer descriptions (`ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000`) into the
/// `address:port` form used in audit events and rate limits.
enum PeerAddress {
    static func from(_ description: String) -> String {
        for prefix in ["ipv4:", "ipv6:", "unix:"] where description.hasPrefix(prefix) {
            return String(description.dropFirst(prefix.count))
        }
        return description
    }
}
