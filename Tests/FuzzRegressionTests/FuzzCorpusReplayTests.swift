import FuzzTargets
import Foundation
import XCTest

/// Replays every seed in `Fuzz/corpus/<target>/` and every input that once crashed a parser
/// (`Fuzz/regressions/<target>/`) through its fuzz target, so the normal test run catches a
/// parser that traps again. A trap kills the test process, which fails the run; the target being
/// replayed is printed first. To name the input, replay the folder with the fuzz binary, which
/// prints each file it runs: `JOINERY_FUZZ_TARGET=<target> .build-fuzz/debug/joinery-fuzz <files>`.
///
/// The seeds that come from real data (identity documents, region certificates, the SigV4 suite)
/// are each target's ``FuzzTarget/fixtureSeeds`` folders under `Tests/Fixtures`, as `scripts/fuzz`
/// uses them; a missing folder fails the run with its path.
final class FuzzCorpusReplayTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The repository's test data (this target does not depend on TestSupport, whose
    /// `Fixtures` finds the same folder).
    static let fixtures = root.appendingPathComponent("Tests/Fixtures", isDirectory: true)

    func testEveryCorpusFolderNamesATarget() throws {
        for folder in ["Fuzz/corpus", "Fuzz/regressions"] {
            for name in try subfolders(of: Self.root.appendingPathComponent(folder)) {
                XCTAssertNotNil(FuzzTargets.all[name], "\(folder)/\(name) does not name a fuzz target")
            }
        }
    }

    func testEveryTargetHasSeeds() throws {
        for name in FuzzTargets.all.keys.sorted() {
            let seeds = try inputs(of: name)
            XCTAssertFalse(seeds.isEmpty, "fuzz target \(name) has no seed in Fuzz/corpus/\(name)")
        }
    }

    func testSeedsAndRegressionsReplayWithoutCrashing() throws {
        var replayed = 0
        for (name, target) in FuzzTargets.all.sorted(by: { $0.key < $1.key }) {
            target.prepare()
            let files = try inputs(of: name)
            // Printed before the run so that a trap, which ends the process, names its target.
            print("replaying \(files.count) inputs of fuzz target \(name)")
            for file in files {
                target.run(Array(try Data(contentsOf: file)))
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0)
    }

    // MARK: Inputs

    private func inputs(of name: String) throws -> [URL] {
        var folders = [
            Self.root.appendingPathComponent("Fuzz/corpus/\(name)"),
            Self.root.appendingPathComponent("Fuzz/regressions/\(name)"),
        ]
        for seeds in FuzzTargets.all[name]?.fixtureSeeds ?? [] {
            let folder = Self.fixtures.appendingPathComponent(seeds, isDirectory: true)
            guard FileManager.default.fileExists(atPath: folder.path) else {
                throw MissingFixtureFolder(path: seeds, target: name, url: folder)
            }
            folders.append(folder)
        }
        return try folders.flatMap(files(under:))
    }

    private struct MissingFixtureFolder: LocalizedError, CustomStringConvertible {
        let path: String
        let target: String
        let url: URL
        var description: String {
            "missing test fixture folder Tests/Fixtures/\(path) (seeds of fuzz target \(target); looked for \(url.path)); it is part of the repository, see Tests/Fixtures/README.md"
        }
        var errorDescription: String? { description }
    }

    private func subfolders(of folder: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix(".") }
            .filter { var isFolder: ObjCBool = false
                return FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path, isDirectory: &isFolder) && isFolder.boolValue }
    }

    private func files(under folder: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var found: [URL] = []
        for case let url as URL in walker where !url.lastPathComponent.hasPrefix(".") {
            if try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true { found.append(url) }
        }
        return found.sorted { $0.path < $1.path }
    }
}
