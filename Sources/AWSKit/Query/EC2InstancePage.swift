/// One `DescribeInstances` response: the instances it listed and, when EC2 has more to say,
/// the token that asks for the next page.
public struct EC2InstancePage: Sendable, Equatable {
    public var states: [EC2InstanceState]
    /// Nil on the last page.
    public var nextToken: String?

    public init(states: [EC2InstanceState], nextToken: String? = nil) {
        self.states = states
        self.nextToken = nextToken
    }
}
