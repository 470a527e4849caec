import JoinCore

/// Where the EC2 method asks whether an instance exists and runs (`ec2:DescribeInstances`),
/// in the instance's account and region, optionally through a role the Auth server assumes.
/// Production uses AWS (``AWSInstanceDirectory``); the seam exists so the decision logic can
/// be read apart from the network.
public protocol InstanceDirectory: Sendable {
    /// The state name (`running`, `stopped`, ...) of `instanceID`, or nil if AWS does not know it.
    func state(ofInstance instanceID: String, region: String, assumingRole roleARN: String?) async throws -> String?
}
