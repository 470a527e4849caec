import AWSKit
import AsyncHTTPClient
import Foundation
import TestSupport

/// Sets moto up as a real account would be, beyond the IAM user TestSupport's
/// `MotoServer.createIAMUser` makes: a role to assume; and launches, stops and terminates
/// instances. These calls go through ``AWSQueryClient`` with the user's keys, so moto checks
/// the signatures of the signer under test on them too.
struct MotoAccount {
    static let region = "us-east-1"
    static let iam = AWSService(signingName: "iam", endpointPrefix: "iam", environmentSuffix: "IAM", displayName: "IAM")
    static let allowAllPolicy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
    static let trustAnyonePolicy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#

    let httpClient: HTTPClient
    let motoURL: URL

    /// The environment that points every client at moto.
    var environment: [String: String] { ["AWS_ENDPOINT_URL": motoURL.absoluteString] }

    func client(_ service: AWSService, credentials: AWSCredentials) -> AWSQueryClient {
        AWSQueryClient(httpClient: httpClient, service: service, endpoint: motoURL, region: Self.region,
                       credentials: credentials, options: AWSRequestOptions(timeout: .seconds(20)))
    }

    /// Creates role `name`, assumable by anyone in the account, allowed to do anything; returns its ARN.
    func createRole(named name: String, signedWith credentials: AWSCredentials) async throws -> String {
        let iam = client(Self.iam, credentials: credentials)
        let response = try await iam.call(action: "CreateRole", version: "2010-05-08",
                                          parameters: [("RoleName", name), ("AssumeRolePolicyDocument", Self.trustAnyonePolicy)])
        _ = try await iam.call(action: "PutRolePolicy", version: "2010-05-08",
                               parameters: [("RoleName", name), ("PolicyName", "allow-all"), ("PolicyDocument", Self.allowAllPolicy)])
        guard let arn = response.text(at: "CreateRoleResult", "Role", "Arn") else {
            throw TestFailure("moto's CreateRole answer has no Role/Arn")
        }
        return arn
    }

    /// Launches one instance and returns its ID.
    func runInstance(signedWith credentials: AWSCredentials) async throws -> String {
        let ec2 = client(.ec2, credentials: credentials)
        let response = try await ec2.call(action: "RunInstances", version: EC2Client.apiVersion,
                                          parameters: [("ImageId", "ami-12c6146b"), ("InstanceType", "t3.micro"),
                                                       ("MinCount", "1"), ("MaxCount", "1")])
        guard let id = response.text(at: "instancesSet", "item", "instanceId") else {
            throw TestFailure("moto's RunInstances answer has no instancesSet/item/instanceId")
        }
        return id
    }

    func stopInstance(_ id: String, signedWith credentials: AWSCredentials) async throws {
        _ = try await client(.ec2, credentials: credentials)
            .call(action: "StopInstances", version: EC2Client.apiVersion, parameters: [("InstanceId.1", id)])
    }

    func terminateInstance(_ id: String, signedWith credentials: AWSCredentials) async throws {
        _ = try await client(.ec2, credentials: credentials)
            .call(action: "TerminateInstances", version: EC2Client.apiVersion, parameters: [("InstanceId.1", id)])
    }
}
