import Foundation
import JoinCore

/// How a host joined, kept by the Auth server for `tctl inventory ls`: the method and when.
/// Heartbeats say what a process runs; only the join knows how it proved itself, and the host
/// certificate does not carry it. One record per host ID, replaced by its next join, kept as
/// long as the host's certificate is valid.
public struct HostJoinRecord: Sendable, Codable, Equatable {
    public var hostID: String
    public var joinMethod: String
    public var joinedAt: Date

    public init(hostID: String, joinMethod: String, joinedAt: Date) {
        self.hostID = hostID
        self.joinMethod = joinMethod
        self.joinedAt = joinedAt
    }

    enum CodingKeys: String, CodingKey {
        case hostID = "host_id", joinMethod = "join_method", joinedAt = "joined_at"
    }
}

extension NodeRegistry {
    static let joinPrefix = "/host_joins/"

    /// Records that `hostID` joined with `method` now.
    public func recordJoin(hostID: String, method: String, lifetime: TimeInterval) async throws {
        let now = clock.now
        let record = HostJoinRecord(hostID: hostID, joinMethod: method, joinedAt: now)
        _ = try await backend.put(Self.joinPrefix + hostID, value: try JSONEncoder().encode(record),
                                  expires: now.addingTimeInterval(lifetime))
    }

    /// Every host's last join, by host ID.
    public func joinRecords() async throws -> [String: HostJoinRecord] {
        var records: [String: HostJoinRecord] = [:]
        for item in try await backend.range(prefix: Self.joinPrefix) {
            guard let record = try? JSONDecoder().decode(HostJoinRecord.self, from: item.value) else { continue }
            records[record.hostID] = record
        }
        return records
    }
}
