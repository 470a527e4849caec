import Foundation
import JoinCore

/// Temporary credentials of the EC2 instance's IAM role, from the instance metadata service:
/// `/latest/meta-data/iam/security-credentials/` names the role, and the role's path holds a
/// JSON document with the keys.
public struct InstanceRoleCredentialProvider: AWSCredentialProvider {
    public static let securityCredentialsPath = "/latest/meta-data/iam/security-credentials/"

    public let imds: IMDSClient

    public init(imds: IMDSClient) {
        self.imds = imds
    }

    /// Nil when the instance has no role attached; `JoinError.unavailable` when IMDS cannot be reached.
    public func credentials() async throws -> AWSCredentials? {
        let listing: String
        do {
            listing = try await imds.get(path: Self.securityCredentialsPath)
        } catch let error as JoinError where error.kind == .notFound {
            return nil
        }
        guard let roleName = listing.split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }),
              !roleName.isEmpty else {
            return nil
        }
        guard roleName.utf8.allSatisfy({ SigV4URIEncoding.isUnreserved($0) || "+=,@".utf8.contains($0) }) else {
            throw JoinError.unavailable("the instance metadata service named an IAM role with unexpected characters; check the instance profile")
        }
        let document = try await imds.get(path: Self.securityCredentialsPath + roleName)
        return try Self.decode(document, roleName: roleName)
    }

    struct Document: Decodable {
        let Code: String?
        let AccessKeyId: String?
        let SecretAccessKey: String?
        let Token: String?
        let Expiration: String?
    }

    static func decode(_ text: String, roleName: String) throws -> AWSCredentials {
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(text.utf8)) else {
            throw JoinError.unavailable("the instance metadata service returned credentials for role \(roleName) that are not the expected JSON document")
        }
        if let code = document.Code, code != "Success" {
            throw JoinError.unavailable("the instance metadata service reports \(code) for the credentials of role \(roleName): check the instance profile in the EC2 console")
        }
        guard let keyID = document.AccessKeyId, let secret = document.SecretAccessKey, !keyID.isEmpty, !secret.isEmpty else {
            throw JoinError.unavailable("the instance metadata service returned credentials for role \(roleName) without AccessKeyId or SecretAccessKey")
        }
        return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: document.Token,
                              expiration: document.Expiration.flatMap(RFC3339.parse))
    }
}
