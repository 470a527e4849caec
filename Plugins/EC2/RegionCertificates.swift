import Foundation
import JoinCore

/// The certificate that signs instance identity documents in each AWS region: AWS's own,
/// shipped with the plugin, plus any the operator adds or replaces with
/// `auth_service.aws.ec2_certificates_dir: DIR` (`DIR/<region>.pem`).
///
/// The override exists for two reasons: AWS opens regions faster than releases ship, and tests
/// (or a private cloud) sign documents with their own CA. A file in the directory wins over the
/// bundled certificate of the same region. Everything is read and parsed when the value is made
/// (the bundled set once per process), so a broken file fails the Auth server's start instead
/// of a join, and lookups during joins touch neither the disk nor a lock.
public struct RegionCertificates: Sendable {
    /// The configuration key named in messages, so that an operator knows what to set.
    public static let overrideSetting = "auth_service.aws.ec2_certificates_dir"

    /// The operator's directory, if any.
    public let overrideDirectory: URL?
    private let certificates: [String: RegionCertificate]

    /// AWS's certificates, with `overrideDirectory`'s `<region>.pem` files added or replacing them.
    public init(overrideDirectory: URL? = nil) throws {
        var certificates = BundledRegionCertificates.certificates
        if let overrideDirectory {
            let overrides = try RegionCertificateDirectory.load(overrideDirectory, describedAs: "\(Self.overrideSetting) certificate")
            certificates.merge(overrides) { _, override in override }
        }
        self.overrideDirectory = overrideDirectory
        self.certificates = certificates
    }

    /// Every region with a certificate, sorted.
    public var regions: [String] { certificates.keys.sorted() }

    /// The regions AWS's bundled certificates cover, sorted (empty if the bundle is missing).
    public static var bundledRegions: [String] { BundledRegionCertificates.certificates.keys.sorted() }

    /// The certificate for `region`, or AccessDenied naming the region and the setting that
    /// would supply one. `region` may come from a document not yet verified; it is only used as
    /// a dictionary key and, cleaned, in the message.
    public func certificate(for region: String) throws -> RegionCertificate {
        guard RegionName.isValid(region) else {
            throw EC2Errors.notARegionName(region)
        }
        if let certificate = certificates[region] {
            return certificate
        }
        throw EC2Errors.unknownRegion(region, overrideDirectory: overrideDirectory, bundleProblem: BundledRegionCertificates.problem)
    }
}
