import AWSKit
import Foundation
import JoinCore

/// AWS's published RSA-2048 certificates, one per region, shipped with the plugin as the
/// resource folder `rsa2048/<region>.pem` and parsed once per process.
///
/// SwiftPM's generated `Bundle.module` stops the process with `fatalError` when the resource
/// bundle is not beside the executable (a binary copied elsewhere). An Auth server must not die
/// for that, least of all one that never uses the EC2 method, so this type looks for the bundle
/// itself (``BundledResources``) and, if it is missing, offers no certificates and says why.
enum BundledRegionCertificates {
    /// The bundle SwiftPM builds for this target on Linux (`.resources`) and Apple (`.bundle`).
    static let bundleNames = BundledResources.bundleNames(target: "EC2Join")
    static let folderName = "rsa2048"

    /// The parsed certificates by region, or why there are none. Computed on first use.
    static let loaded: Result<[String: RegionCertificate], JoinError> = load()

    /// A note for error messages when the bundled set could not be loaded, else nil.
    static var problem: String? {
        if case .failure(let error) = loaded { return error.message }
        return nil
    }

    static var certificates: [String: RegionCertificate] {
        (try? loaded.get()) ?? [:]
    }

    private static func load() -> Result<[String: RegionCertificate], JoinError> {
        guard let folder = locateFolder() else {
            return .failure(.internalError(
                "the bundled AWS region certificates were not found (\(BundledResources.searchDescription(bundleNames))); install it beside the executable or provide every region in auth_service.aws.ec2_certificates_dir"))
        }
        do {
            return .success(try RegionCertificateDirectory.load(folder, describedAs: "bundled certificate"))
        } catch let error as JoinError {
            return .failure(error)
        } catch {
            return .failure(.internalError("the bundled AWS region certificates cannot be read: \(error)"))
        }
    }

    private static func locateFolder() -> URL? {
        guard let folder = BundledResources.locate(folderName, inBundlesNamed: bundleNames) else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        return folder
    }
}
