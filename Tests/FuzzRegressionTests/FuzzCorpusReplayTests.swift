import FuzzTargets
import Foundation
import XCTest

/// Replays every seed in `Fuzz/corpus/<target>/` and every input that once crashed a parser
/// (`Fuzz/regressions/<target>/`) through its fuzz target, so the normal test run catches a
/// parser that traps again. A trap kills the test process, which fails the run; the target being
/// replayed is printed first. To name the input, replay the folder with the fuzz binary, which
/// prints each file it runs: `JOINERY_FUZZ_TARGET=<target> .build-fuzz/debug/joinery-fuzz <files>`.
///
/// The seeds that come from `../shared/testdata` (real identity documents, the SigV4 suite) are
/// replayed in place, as `scripts/fuzz` uses them: that data is not copied into the project.
final class FuzzCorpusReplayTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testEveryCorpusFolderNamesATarget() throws {
        for folder in ["Fuzz/corpus", "Fuzz/regressions"] {
            for name in try subfolders(of: Self.root.appendingPathComponent(folder)) {
                XCTAssertNotNil(FuzzTargets.all[name], "\(folder)/\(name) does not name a fuzz target")
            }
        }
    }

    func testEveryTargetHasSeeds() throws {
        for name in FuzzTargets.all.keys.sorted() {
            XCTAssertFalse(try inputs(of: name).isEmpty, "fuzz target \(name) has no seed in Fuzz/corpus/\(name)")
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
        folders += (FuzzTargets.all[name]?.sharedSeeds ?? []).map {
            Self.root.appendingPathComponent("../shared/testdata").appendingPathComponent($0)
        }
        return try folders.flatMap(files(under:))
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
