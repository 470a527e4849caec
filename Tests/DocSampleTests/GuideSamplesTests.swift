import Foundation
import XCTest

/// The guides describe today's code: their Swift samples are compiled with this target (see
/// ``GuideSamples``), and these tests keep the compiled copy, the quoted excerpts and the paths a
/// guide names from drifting away from the guide and the tree.
final class GuideSamplesTests: XCTestCase {
    func testGeneratedSamplesAreTheGuidesSamples() throws {
        for guide in GuideSamples.guides {
            let markdown = try GuideSamples.read(guide.markdown)
            for block in GuideSamples.blocks(of: markdown) where !block.closed {
                XCTFail("\(guide.markdown):\(block.line): the code block is not closed")
            }
            let expected = GuideSamples.generatedFile(for: guide, markdown: markdown)
            let actual = (try? GuideSamples.read(guide.generated)) ?? ""
            guard expected != actual else { continue }
            let wanted = expected.components(separatedBy: "\n"), found = actual.components(separatedBy: "\n")
            let index = (0..<min(wanted.count, found.count)).first { wanted[$0] != found[$0] } ?? min(wanted.count, found.count)
            let want = index < wanted.count ? wanted[index] : "(the end)"
            let have = index < found.count ? found[index] : "(the end)"
            XCTFail("""
                \(guide.generated) is not the samples of \(guide.markdown): at line \(index + 1) the guide gives \
                "\(want)" and the file has "\(have)". Run scripts/extract-doc-samples, then build.
                """)
        }
    }

    /// An excerpt quotes a file it cannot compile (a manifest, a `main.swift`): each of its lines,
    /// comments and elisions aside, must still be a line of that file.
    func testExcerptsAreStillInTheFilesTheyQuote() throws {
        for guide in GuideSamples.guides {
            let markdown = try GuideSamples.read(guide.markdown)
            for block in GuideSamples.blocks(of: markdown) {
                guard let path = block.excerptOf else { continue }
                guard let quoted = try? GuideSamples.read(path) else {
                    XCTFail("\(guide.markdown):\(block.line): the excerpt quotes \(path), which cannot be read")
                    continue
                }
                let lines = Set(quoted.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
                for line in block.lines.map({ $0.trimmingCharacters(in: .whitespaces) })
                where !line.isEmpty && !line.hasPrefix("//") && !lines.contains(line) {
                    XCTFail("\(guide.markdown):\(block.line): the excerpt of \(path) has a line the file does not: \(line)")
                }
            }
        }
    }

    /// Every repository path a guide names in its prose, in backticks, exists.
    func testPathsTheGuideNamesExist() throws {
        let path = try Regex(#"`((?:Sources|Plugins|Tests|examples|docs|scripts|Proto|Benchmarks|Fuzz)/[^`\s<>*]*)`"#)
        for guide in GuideSamples.guides {
            let markdown = try GuideSamples.read(guide.markdown)
            var insideBlock = false
            for (index, line) in markdown.components(separatedBy: "\n").enumerated() {
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                    insideBlock.toggle()
                    continue
                }
                guard !insideBlock else { continue }
                for match in line.matches(of: path) {
                    guard let named = match.output[1].substring.map(String.init) else { continue }
                    let file = GuideSamples.repositoryRoot.appendingPathComponent(named).path
                    XCTAssertTrue(FileManager.default.fileExists(atPath: file),
                                  "\(guide.markdown):\(index + 1) names \(named), which does not exist")
                }
            }
        }
    }
}
