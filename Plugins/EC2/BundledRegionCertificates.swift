import Foundation
import JoinCore

/// AWS's published RSA-2048 certificates, one per region, shipped with the plugin as the
/// resource folder `rsa2048/<region>.pem` and parsed once per process.
///
/// SwiftPM's generated `Bundle.module` stops the process with `fatalError` when the resource
/// bundle is not beside the executable (a binary copied elsewhere). An Auth server must not die
/// for that, least of all one that never uses the EC2 method, so this type looks for the bundle
/// itself in the same places and, if it is missing, offers no certificates and says why.
enum BundledRegionCertificates {
    /// The bundle SwiftPM builds for this target on Linux (`.resources`) and Apple (`.bundle`).
    static let bundleNames = ["Joinery_EC2Join.resources", "Joinery_EC2Join.bundle"]
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
            let places = candidateBundleDirectories().map(\.path).joined(separator: ", ")
            return .failure(.internalError(
                "the bundled AWS region certificates were not found (looked for \(bundleNames.joined(separator: " or ")) in \(places)); install it beside the executable or provide every region in auth_service.aws.ec2_certificates_dir"))
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
        for directory in candidateBundleDirectories() {
            for name in bundleNames {
                let bundleURL = directory.appendingPathComponent(name, isDirectory: true)
                let candidates = [
                    bundleURL.appendingPathComponent(folderName, isDirectory: true),
                    bundleURL.appendingPathComponent("Contents/Resources", isDirectory: true).appendingPathComponent(folderName, isDirectory: true),
                ]
                for folder in candidates where isDirectory(folder) {
                    return folder
                }
            }
        }
        return nil
    }

    /// The main bundle (the executable's folder on Linux, the test runner's for tests), and the
    /// folder of the executable after following symlinks (`/usr/local/bin/teleport` → the build).
    private static func candidateBundleDirectories() -> [URL] {
        var directories = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL {
            directories.append(executable.deletingLastPathComponent())
            directories.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        var seen = Set<String>()
        return directories.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
