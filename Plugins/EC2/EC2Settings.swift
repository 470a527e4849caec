import Foundation
import JoinCore

/// The `auth_service.aws` section of teleport.yaml, shared by the AWS join methods:
/// `ec2_certificates_dir` (extra or replacement region certificates, `DIR/<region>.pem`) and
/// `fips` (read by the IAM method). Parsed strictly: a misspelt key is an error.
struct EC2Settings {
    static let knownKeys: Set<String> = ["ec2_certificates_dir", "fips"]

    var certificatesDirectory: URL?

    init(authService: JSONValue) throws {
        guard let section = authService["aws"] else { return }
        guard case .object(let fields) = section else {
            throw JoinError.badParameter("auth_service.aws: expected a map")
        }
        for key in fields.keys.sorted() where !EC2Settings.knownKeys.contains(key) {
            throw JoinError.badParameter("unknown field \"auth_service.aws.\(key)\"")
        }
        switch fields["ec2_certificates_dir"] {
        case nil, .null?:
            certificatesDirectory = nil
        case .string(let path)?:
            guard path.hasPrefix("/") else {
                throw JoinError.badParameter("auth_service.aws.ec2_certificates_dir must be an absolute path")
            }
            certificatesDirectory = URL(fileURLWithPath: path)
        default:
            throw JoinError.badParameter("auth_service.aws.ec2_certificates_dir: expected a path")
        }
    }
}
