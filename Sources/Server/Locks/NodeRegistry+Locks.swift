import Foundation
import JoinCore

extension NodeRegistry {
    /// The live nodes no lock targets, for `tctl nodes ls`: a node drops out of the listing as
    /// soon as a lock on its host ID or one of its roles is created, without waiting for its
    /// heartbeat record to expire (its heartbeats are refused from then on).
    func listUnlocked(locks: LockStore) async throws -> [NodeRecord] {
        let nodes = try await list()
        let active = try await locks.activeLocks(strict: false)
        guard !active.isEmpty else { return nodes }
        let locked = Set(active.map(\.target))
        return nodes.filter { node in
            if locked.contains(.serverID(node.hostID)) { return false }
            return !node.roles.contains { name in
                guard let role = try? SystemRole(parsing: name) else { return false }
                return locked.contains(.role(role))
            }
        }
    }
}
