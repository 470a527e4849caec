import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore

/// The client half of the `ec2` method: fetches this instance's rsa2048 identity document from
/// IMDSv2 (`AWS_EC2_METADATA_SERVICE_ENDPOINT` overrides the address) and sends it, as IMDS
/// served it, in `ClientInit`.
public struct EC2JoinProver: JoinProver {
    public let name = EC2JoinMethod.methodName
    let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func initialPayload(for request: ProofRequest) async throws -> Data {
        let imds = try IMDSClient(httpClient: .shared, environment: environment)
        return Data(try await imds.instanceIdentityDocumentRSA2048().utf8)
    }
}

extension JoinMethodPlugin {
    /// The built-in `ec2` method. Reads `auth_service.aws` (`ec2_certificates_dir`).
    public static let ec2 = JoinMethodPlugin(
        name: EC2JoinMethod.methodName,
        authServiceKeys: ["aws"],
        makeMethod: { try EC2JoinMethod(context: $0, instances: try AWSInstanceDirectory(logger: $0.logger)) },
        makeProver: { _ in EC2JoinProver() }
    )
}
