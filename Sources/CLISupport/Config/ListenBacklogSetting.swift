import CLIKit

extension KeyedDecodingContainer {
    /// `listen_backlog`: absent means the kernel's maximum; a value must be a whole number
    /// from 1 to 65535 (the kernel caps it at `net.core.somaxconn` in any case).
    func decodeListenBacklog(forKey key: Key) throws -> Int? {
        guard let value = try decodeNumberIfPresent(Int.self, forKey: key) else { return nil }
        guard (1...65_535).contains(value) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                debugDescription: "must be a number of connections from 1 to 65535 (leave it out for the kernel's net.core.somaxconn)")
        }
        return value
    }
}
