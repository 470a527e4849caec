import AWSKit
import AsyncHTTPClient
import Foundation
import JoinCore

/// The client half of the `ec2` method: fetches this instance's rsa2048 identity document from
/// IMDSv2 (`AWS_EC2_METADATA_SERVICE_ENDPOINT` overrides the address) and sends it, as IMDS
/// served it, in `ClientInit`.
public struct EC2Prover: JoinProver {
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
