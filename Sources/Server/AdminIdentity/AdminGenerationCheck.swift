import Foundation
import JoinCore

/// The check `requireAdmin` adds to an Admin certificate: it must name the run of an Auth
/// server that is current in the backend right now.
///
/// The backend is read on every admin call, with no cache, so a restarted server's earlier
/// identity is refused at once by every Auth server sharing the backend. Admin calls are
/// rare (an operator typing tctl), so one key read per call costs nothing that matters.
/// Nodes and bots are untouched: only certificates with the Admin role reach this check.
struct AdminGenerationCheck: Sendable {
    let store: AdminGenerationStore

    /// Throws `accessDenied` naming the cause when `caller`'s run is not current.
    func requireCurrent(_ caller: PeerIdentity) async throws {
        guard let run = caller.adminRun else {
            throw JoinError.accessDenied(AdminIdentityRefusal.noRun)
        }
        guard let current = try await store.current(serverID: run.serverID) else {
            throw JoinError.accessDenied(AdminIdentityRefusal.notRunning(run))
        }
        guard current.generation == run.generation else {
            throw JoinError.accessDenied(AdminIdentityRefusal.superseded(run))
        }
    }
}
