import Foundation

/// Finds a SwiftPM resource bundle without `Bundle.module`.
///
/// SwiftPM's generated `Bundle.module` stops the process with `fatalError` when the resource
/// bundle is not beside the executable (a binary copied elsewhere). An Auth server must not die
/// for that, least of all one that never uses the method whose data is missing, so the AWS join
/// plugins look for their bundles here, in the same places, and report a missing one as an error
/// they can explain.
public enum BundledResources {
    /// The names SwiftPM gives the bundle of `target` in package `package`, on Linux
    /// (`<package>_<target>.resources`) and on Apple platforms (`.bundle`).
    public static func bundleNames(package: String = "Joinery", target: String) -> [String] {
        ["\(package)_\(target).resources", "\(package)_\(target).bundle"]
    }

    /// The first existing `resource` (a file or folder copied with `.copy(...)`) inside one of
    /// `bundleNames`, looked for in ``candidateBundleDirectories()``; nil when there is none.
    public static func locate(_ resource: String, inBundlesNamed bundleNames: [String]) -> URL? {
        for directory in candidateBundleDirectories() {
            for name in bundleNames {
                let bundleURL = directory.appendingPathComponent(name, isDirectory: true)
                let candidates = [
                    bundleURL.appendingPathComponent(resource),
                    bundleURL.appendingPathComponent("Contents/Resources", isDirectory: true).appendingPathComponent(resource),
                ]
                for candidate in candidates where FileManager.default.fileExists(atPath: candidate.path) {
                    return candidate
                }
            }
        }
        return nil
    }

    /// The main bundle (the executable's folder on Linux, the test runner's for tests), and the
    /// folder of the executable after following symlinks (`/usr/local/bin/teleport` → the build).
    public static func candidateBundleDirectories() -> [URL] {
        var directories = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL {
            directories.append(executable.deletingLastPathComponent())
            directories.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        var seen = Set<String>()
        return directories.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    /// A sentence for error messages: where ``locate(_:inBundlesNamed:)`` looked.
    public static func searchDescription(_ bundleNames: [String]) -> String {
        "looked for \(bundleNames.joined(separator: " or ")) in \(candidateBundleDirectories().map(\.path).joined(separator: ", "))"
    }
}
