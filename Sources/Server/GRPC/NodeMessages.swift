import Foundation
import JoineryProto

extension Joinery_V1_Node {
    /// A node as the APIs list it: what it reports, with the labels its join bound winning
    /// (``NodeRecord/labels(bound:)``), how it joined and the host key it was certified for.
    init(_ record: NodeRecord, join: HostJoinRecord?) {
        self.init()
        hostID = record.hostID
        hostname = record.hostname
        addr = record.address
        version = record.version
        let bound = join?.boundLabels
        labels = record.labels(bound: bound)
        boundLabelKeys = (bound ?? [:]).keys.sorted()
        roles = record.roles
        lastSeenUnix = Int64(record.lastSeen.timeIntervalSince1970)
        joinMethod = join?.joinMethod ?? ""
        sshHostKey = join?.sshHostKey ?? ""
    }
}
