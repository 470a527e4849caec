import Foundation
import TestSupport
import XCTest

/// Every guide's marked flow, run as written against the built binaries: a command, a flag or an
/// output that drifts from the code fails here (markers: ``DocFlow``).
final class GuideFlowTests: XCTestCase {
    /// The guides whose main flow must be marked and must run.
    static let guides = [
        "README.md", "docs/quickstart.md", "docs/join-methods/static.md", "docs/join-methods/token.md", "docs/bots.md",
        "docs/networking.md", "docs/operations.md", "docs/high-availability.md", "docs/troubleshooting.md",
    ]

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func flow(_ path: String) throws -> DocFlow {
        let markdown = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        return try DocFlow.parse(markdown, path: path)
    }

    func runGuide(_ path: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        guard FileManager.default.isExecutableFile(atPath: ClusterProcesses.teleport.path) else {
            throw XCTSkip("teleport binary not found at \(ClusterProcesses.teleport.path); run `swift build` first")
        }
        let flow = try GuideFlowTests.flow(path)
        XCTAssertTrue(flow.steps.contains { if case .run = $0.action { true } else { false } },
                      "\(path) has no runnable block: mark its main flow (see Tests/DocFlowTests/DocFlow.swift)", file: file, line: line)
        if let failure = try await DocFlowRunner(flow).run() {
            XCTFail("\(failure)", file: file, line: line)
        }
    }

    func testReadme() async throws { try await runGuide("README.md") }
    func testQuickstart() async throws { try await runGuide("docs/quickstart.md") }
    func testStaticTokens() async throws { try await runGuide("docs/join-methods/static.md") }
    func testTokenMethod() async throws { try await runGuide("docs/join-methods/token.md") }
    func testBots() async throws { try await runGuide("docs/bots.md") }
    func testNetworking() async throws { try await runGuide("docs/networking.md") }
    func testOperations() async throws { try await runGuide("docs/operations.md") }
    func testHighAvailability() async throws { try await runGuide("docs/high-availability.md") }
    func testTroubleshooting() async throws { try await runGuide("docs/troubleshooting.md") }

    /// Every guide listed above parses, and every other guide's markers (if any) parse too.
    func testEveryMarkerParses() throws {
        let docs = try FileManager.default.subpathsOfDirectory(atPath: GuideFlowTests.repositoryRoot.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        for path in Set(docs + GuideFlowTests.guides) {
            XCTAssertNoThrow(try GuideFlowTests.flow(path), path)
        }
    }
}
