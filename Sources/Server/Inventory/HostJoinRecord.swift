import Foundation
import JoinCore

/// How a host joined, kept by the Auth server: the method and when (`tctl inventory ls`), and
/// the labels its token binds to it (``JoinCore/ProvisionToken/boundLabels``), which win over
/// what its heartbeats say. Only the join knows these, and the host certificate does not carry
/// them. One record per host ID, replaced by its next join, kept as long as the host's
/// certificate is valid.
public struct HostJoinRecord: Sendable, Codable, Equatable {
    public var hostID: String
    public var joinMethod: String
    public var joinedAt: Date
    /// The labels the admitting token binds; `nil` in records written before there were any.
    public var boundLabels: [String: String]?
    /// The SSH public key the host certificate of this join certifies (authorized_keys
    /// format): the key the host's SSH Service presents, which users' clients check against.
    public var sshHostKey: String?

    public init(hostID: String, joinMethod: String, joinedAt: Date, boundLabels: [String: String]? = nil, sshHostKey: String? = nil) {
        self.hostID = hostID
        self.joinMethod = joinMethod
        self.joinedAt = joinedAt
        self.boundLabels = boundLabels
        self.sshHostKey = sshHostKey
    }

    enum CodingKeys: String, CodingKey {
        case hostID = "host_id", joinMethod = "join_method", joinedAt = "joined_at", boundLabels = "bound_labels"
        case sshHostKey = "ssh_host_key"
    }
}

extension NodeRegistry {
    static let joinPrefix = "/host_joins/"

    /// Records that `hostID` joined with `method` now, bound to `boundLabels`.
    public func recordJoin(hostID: String, method: String, boundLabels: [String: String] = [:], sshHostKey: String? = nil,
                           lifetime: TimeInterval) async throws {
        let now = clock.now
        let record = HostJoinRecord(hostID: hostID, joinMethod: method, joinedAt: now,
                                    boundLabels: boundLabels.isEmpty ? nil : boundLabels, sshHostKey: sshHostKey)
        _ = try await backend.put(Self.joinPrefix + hostID, value: try JSONEncoder().encode(record),
                                  expires: now.addingTimeInterval(lifetime))
    }

    /// One host's last join, if it is still recorded.
    public func joinRecord(hostID: String) async throws -> HostJoinRecord? {
        try await backend.get(Self.joinPrefix + hostID).flatMap { try? JSONDecoder().decode(HostJoinRecord.self, from: $0.value) }
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

extension NodeRecord {
    /// The labels a node shows: what it reports, under what its join bound (`bound` wins).
    public func labels(bound: [String: String]?) -> [String: String] {
        labels.merging(bound ?? [:]) { _, bound in bound }
    }
}
