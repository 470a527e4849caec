import Foundation

/// Paths the AWSKit tests use. The SigV4 suite is a fixture: ``Fixtures`` (TestSupport) finds it
/// in `Tests/Fixtures/sigv4/aws4_testsuite`.
enum TestPaths {
    static func temporaryDirectory(_ label: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-awskit-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
