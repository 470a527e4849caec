import Foundation

/// Where the shared test data lives: `../shared/testdata` beside the package root, found from
/// this file's path so it works from any working directory (and in CI, where `shared/` sits
/// beside the clone).
enum TestPaths {
    static var packageRoot: URL {
        // Tests/AWSKitTests/Support/TestPaths.swift → four levels up is the package root.
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    static var sharedTestData: URL {
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata")
    }

    static var sigV4Suite: URL {
        sharedTestData.appendingPathComponent("sigv4/aws4_testsuite")
    }

    static func temporaryDirectory(_ label: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-awskit-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
