/// What DescribeInstances says about one instance: its ID, lifecycle state and owning account.
public struct EC2InstanceState: Sendable, Equatable, Hashable {
    public let instanceID: String
    /// `pending`, `running`, `shutting-down`, `terminated`, `stopping` or `stopped`.
    public let stateName: String
    /// AWS's numeric state code (16 is running), when given.
    public let stateCode: Int?
    /// The account that owns the reservation, when given.
    public let ownerID: String?

    public init(instanceID: String, stateName: String, stateCode: Int? = nil, ownerID: String? = nil) {
        self.instanceID = instanceID
        self.stateName = stateName
        self.stateCode = stateCode
        self.ownerID = ownerID
    }

    public var isRunning: Bool { stateName == "running" }

    /// Every instance in a DescribeInstances response.
    static func all(in response: AWSXMLElement) -> [EC2InstanceState] {
        guard let reservations = response.child("reservationSet") else { return [] }
        return reservations.children("item").flatMap { reservation -> [EC2InstanceState] in
            let owner = reservation.text(at: "ownerId").flatMap { $0.isEmpty ? nil : $0 }
            return (reservation.child("instancesSet")?.children("item") ?? []).compactMap { instance in
                guard let id = instance.text(at: "instanceId"), !id.isEmpty,
                      let state = instance.text(at: "instanceState", "name"), !state.isEmpty else { return nil }
                return EC2InstanceState(instanceID: id, stateName: state,
                                        stateCode: instance.text(at: "instanceState", "code").flatMap { Int($0) },
                                        ownerID: owner)
            }
        }
    }
}
