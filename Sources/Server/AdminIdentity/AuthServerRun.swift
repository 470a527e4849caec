import Foundation
import JoinCore

/// One run of one Auth server: the server's ID, stable across restarts (kept in
/// `data_dir/auth_server_id`), and the random generation the process chose when it started.
///
/// The Admin identity the Auth server writes for tctl carries both, and the backend records
/// which generation is current for each server ID (``AdminGenerationStore``). A restart
/// records a new generation, so a copy of `data_dir/admin/` taken before it stops working;
/// several Auth servers on one backend each record their own run, so each one's identity
/// works against all of them.
public struct AuthServerRun: Sendable, Equatable, Codable {
    public let serverID: String
    public let generation: String

    public init(serverID: String, generation: String) {
        self.serverID = serverID
        self.generation = generation
    }

    /// A fresh run of `serverID` with a random 122-bit generation.
    public static func starting(serverID: String) -> AuthServerRun {
        AuthServerRun(serverID: serverID, generation: UUID().uuidString.lowercased())
    }
}

/// The messages an Admin identity is refused with: they name the cause, because the fix
/// differs (start the Auth server, or use the identity the running one wrote).
public enum AdminIdentityRefusal {
    /// Also what tctl says before dialing when `admin.crt` has expired.
    public static func expired(at date: Date) -> String {
        "the admin identity has expired; is the Auth server running? (the certificate expired at \(date); "
            + "a running Auth server renews data_dir/admin/ every hour)"
    }

    static func superseded(_ run: AuthServerRun) -> String {
        "the admin identity belongs to an earlier run of the Auth server (server \(run.serverID)), which has since "
            + "restarted; use the one in data_dir/admin/ written by the running Auth server"
    }

    static func notRunning(_ run: AuthServerRun) -> String {
        "the admin identity belongs to an earlier run of the Auth server (server \(run.serverID)), which is no "
            + "longer running; use the one in data_dir/admin/ written by the running Auth server"
    }

    static let noRun =
        "this Admin certificate was not written by a running Auth server (it names no server run); "
            + "use the one in data_dir/admin/ written by the running Auth server"
}
