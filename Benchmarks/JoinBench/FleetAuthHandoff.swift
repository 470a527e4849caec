import Foundation

/// What the fleet's Auth server process tells the load generator once it listens: where it is,
/// how to trust it and which token to join with. Written atomically to a file in the server's
/// data directory, which the generator removes before each start and waits for, so a file from
/// the run before a restart is never mistaken for the new run's.
struct FleetAuthHandoff: Codable, Sendable {
    /// `host:port` the server listens on.
    var address: String
    /// The host CA pins (`sha256:…`), as `tctl status` prints them.
    var pins: [String]
    /// A multi-use `token` method token for the nodes.
    var token: String

    static func file(in dataDirectory: URL) -> URL { dataDirectory.appendingPathComponent("fleet-handoff.json") }

    func write(to file: URL) throws {
        try JSONEncoder().encode(self).write(to: file, options: .atomic)
    }

    /// The handoff in `file`, once there.
    static func read(from file: URL) -> FleetAuthHandoff? {
        guard let data = try? Data(contentsOf: file) else { return nil }
        return try? JSONDecoder().decode(FleetAuthHandoff.self, from: data)
    }
}
