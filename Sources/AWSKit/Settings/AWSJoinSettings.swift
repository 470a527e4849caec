import Foundation
import JoinCore

/// The `auth_service.aws` section of teleport.yaml, shared by the AWS join methods:
/// `ec2_certificates_dir` (extra or replacement EC2 region certificates, `DIR/<region>.pem`)
/// and `fips` (the IAM method then accepts only FIPS STS endpoints).
///
/// Both plugins declare the `aws` key and read the section through this one type, so the
/// strict parsing (a misspelt key is an error) is written once and cannot drift between them.
public struct AWSJoinSettings: Sendable, Equatable {
    public static let knownKeys: Set<String> = ["ec2_certificates_dir", "fips"]

    /// `auth_service.aws.ec2_certificates_dir`, an absolute path, or nil.
    public var certificatesDirectory: URL?
    /// `auth_service.aws.fips`; false when absent.
    public var fips: Bool

    public init(certificatesDirectory: URL? = nil, fips: Bool = false) {
        self.certificatesDirectory = certificatesDirectory
        self.fips = fips
    }

    /// Reads `auth_service.aws` from the whole `auth_service` section.
    public init(authService: JSONValue) throws {
        self.init()
        guard let section = authService["aws"] else { return }
        guard case .object(let fields) = section else {
            throw JoinError.badParameter("auth_service.aws: expected a map")
        }
        for key in fields.keys.sorted() where !Self.knownKeys.contains(key) {
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
        switch fields["fips"] {
        case nil, .null?:
            fips = false
        case .bool(let value)?:
            fips = value
        default:
            throw JoinError.badParameter("auth_service.aws.fips: expected true or false")
        }
    }
}
