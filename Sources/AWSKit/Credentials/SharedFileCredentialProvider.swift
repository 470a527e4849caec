import Foundation
import JoinCore

/// Static keys (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`) from the
/// chosen profile of the AWS shared configuration files.
///
/// Profiles that get credentials some other way (`role_arn`, `sso_*`, `credential_process`)
/// are reported as unsupported rather than skipped, so nobody wonders why their profile is ignored.
public struct SharedFileCredentialProvider: AWSCredentialProvider {
    public let files: SharedConfigFiles

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.files = SharedConfigFiles(environment: environment)
    }

    public func credentials() async throws -> AWSCredentials? {
        guard let settings = try files.profileSettings() else {
            if files.profileWasNamed {
                throw JoinError.notFound("AWS \(files.whereLooked): no such profile; add it to one of those files or change AWS_PROFILE")
            }
            return nil
        }
        let keyID = settings["aws_access_key_id"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = settings["aws_secret_access_key"].flatMap { $0.isEmpty ? nil : $0 }
        switch (keyID, secret) {
        case let (keyID?, secret?):
            let token = settings["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
            return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token)
        case (.some, nil), (nil, .some):
            throw JoinError.badParameter("AWS \(files.whereLooked): the profile needs both aws_access_key_id and aws_secret_access_key")
        case (nil, nil):
            let unsupported = settings.keys.filter { $0 == "role_arn" || $0 == "credential_process" || $0.hasPrefix("sso_") }.sorted()
            if !unsupported.isEmpty {
                throw JoinError.notImplemented("AWS \(files.whereLooked) uses \(unsupported.joined(separator: ", ")), which Joinery does not support: give the profile static keys, set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use an EC2 instance role")
            }
            if files.profileWasNamed {
                throw JoinError.notFound("AWS \(files.whereLooked): the profile has no aws_access_key_id/aws_secret_access_key")
            }
            return nil
        }
    }
}
