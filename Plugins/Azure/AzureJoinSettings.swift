import Foundation
import JoinCore

/// `auth_service.azure` in the Auth server's teleport.yaml: `attestation_certificates_dir`, a
/// directory of PEM certificates that replaces the bundled roots Azure's attested data must
/// chain to (see ``AttestationTrust``).
struct AzureJoinSettings: Sendable, Equatable {
    static let key = "azure"
    var certificatesDirectory: URL?

    init(authService: JSONValue) throws {
        guard let section = authService[Self.key], section != .null else { return }
        guard case .object(let fields) = section else { throw JoinError.badParameter("auth_service.azure: expected a map") }
        for key in fields.keys.sorted() where key != "attestation_certificates_dir" {
            throw JoinError.badParameter("unknown field \"auth_service.azure.\(UntrustedString.sanitize(key))\"")
        }
        switch fields["attestation_certificates_dir"] {
        case nil, .null?:
            certificatesDirectory = nil
        case .string(let path)? where path.hasPrefix("/"):
            certificatesDirectory = URL(fileURLWithPath: path)
        default:
            throw JoinError.badParameter("auth_service.azure.attestation_certificates_dir must be an absolute path")
        }
    }

    func trust() throws -> AttestationTrust {
        if let certificatesDirectory { return try AttestationTrust.load(directory: certificatesDirectory) }
        return try AttestationTrust.bundled()
    }
}
