import Foundation
import TestSupport
import XCTest

/// The harness itself: markers are read as documented, outputs match only what they should, and
/// a guide whose command drifts from the code fails.
final class DocFlowHarnessTests: XCTestCase {
    func testMarkersBecomeStepsInOrder() throws {
        let flow = try DocFlow.parse("""
            # Guide
            <!-- test: ports 3025 3080 -->
            <!-- test: replace 0.0.0.0 127.0.0.1 -->
            <!-- test: file auth.yaml -->
            ```yaml
            listen_addr: 0.0.0.0:3025
            ```
            Not run:
            ```sh
            rm -rf /
            ```
            <!-- test: start auth until "listening" -->

            ```sh
            teleport start -c auth.yaml
            ```
            <!-- test: sh fails tctl nope -->
            <!-- test: output contains -->
            ```
            ERROR: <...>
            ```
            <!-- test: stop auth -->
            """, path: "guide.md")
        XCTAssertEqual(flow.ports, [3025, 3080])
        XCTAssertEqual(flow.replacements.map { "\($0.from)>\($0.to)" }, ["0.0.0.0>127.0.0.1"])
        XCTAssertEqual(flow.steps.map(\.action), [
            .writeFile(path: "auth.yaml", content: "listen_addr: 0.0.0.0:3025"),
            .start(name: "auth", command: "teleport start -c auth.yaml", readyText: "listening"),
            .run(script: "tctl nope", expectsFailure: true),
            .output(pattern: "ERROR: <...>", whole: false),
            .stop(name: "auth"),
        ])
        XCTAssertEqual(flow.steps.map(\.line), [4, 12, 17, 18, 22])
    }

    func testMisplacedOrUnknownMarkersAreErrors() {
        let cases = [
            ("<!-- test: run -->\nSome prose.\n```sh\nls\n```", "guide.md:1: the marker must be followed by its code block"),
            ("<!-- test: run -->", "guide.md:1: the marker has no code block below it"),
            ("<!-- test: frobnicate -->", "guide.md:1: unknown test marker \"frobnicate\""),
            ("<!-- test: start auth -->\n```sh\nteleport start\n```", "guide.md:1: expected start NAME until \"TEXT\""),
            ("text\n<!-- test: output -->\n```\nunclosed", "guide.md:3: the code block is not closed"),
        ]
        for (markdown, expected) in cases {
            XCTAssertThrowsError(try DocFlow.parse(markdown, path: "guide.md")) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(error)")
            }
        }
    }

    func testPlaceholdersCaptureAndTablesRealign() {
        let pattern = OutputPattern("""
            The invite token: <token>
            ...
            Host   UUID                                 Labels
            ------ ------------------------------------ -------
            node-1 dad4f58d-d8c6-4230-a24d-0c40759b2229 env=dev
            """)
        let output = """

            The invite token: 3f2a9c
            This token will expire in 5 minutes.
            Host      UUID                                 Labels
            --------- ------------------------------------ -------
            node-1    0b6c1e0a-1111-4222-8333-944455556666 env=dev

            """
        XCTAssertEqual(pattern.matchWhole(output), ["token": "3f2a9c"])
        // A value that differs, a missing line, an extra line: no match.
        XCTAssertNil(pattern.matchWhole(output.replacingOccurrences(of: "env=dev", with: "env=prod")))
        XCTAssertNil(pattern.matchWhole(output.replacingOccurrences(of: "node-1", with: "node-2")))
        XCTAssertNil(pattern.matchWhole(output + "\nsomething else"))
        XCTAssertNil(OutputPattern("The invite token: <token>").matchWhole(output))
    }

    func testRecognisedKindsMatchOnlyTheirKind() {
        let line = OutputPattern.compile(
            "2026-11-21T06:32:24Z INFO joined host_id=dad4f58d-d8c6-4230-a24d-0c40759b2229 token=********f6da42e4 remote=127.0.0.1:46102")
        XCTAssertNotNil(line.match(
            "2027-01-02T03:04:05.123Z INFO joined host_id=00000000-1111-4222-8333-944455556666 token=********0badcafe remote=127.0.0.1:3"))
        XCTAssertNil(line.match(
            "yesterday INFO joined host_id=00000000-1111-4222-8333-944455556666 token=****0badcafe remote=127.0.0.1:3"))
        XCTAssertNil(line.match(
            "2027-01-02T03:04:05Z INFO joined host_id=not-a-uuid token=****0badcafe remote=127.0.0.1:3"))
        XCTAssertNil(line.match(
            "2027-01-02T03:04:05Z INFO joined host_id=00000000-1111-4222-8333-944455556666 token=secret remote=127.0.0.1:3"))
        // A port of the guide's own servers is not any port.
        let fixed = OutputPattern("heartbeating auth_server=127.0.0.1:3026", fixedPorts: [3026])
        XCTAssertNotNil(fixed.matchWhole("heartbeating auth_server=127.0.0.1:3026"))
        XCTAssertNil(fixed.matchWhole("heartbeating auth_server=127.0.0.1:3025"))
        // Regular-expression characters in the guide are literal.
        XCTAssertNil(OutputPattern.compile("a.b (c)").match("axb c"))
        XCTAssertNotNil(OutputPattern.compile("a.b (c)").match("a.b (c)"))
    }

    func testMovedPathsMatchWhereTheyWereMovedAndAsWritten() {
        let pattern = OutputPattern("path: /var/lib/teleport/bot (0.5s)", movedPaths: ["/var/lib/teleport"], root: "/tmp/flow")
        XCTAssertNotNil(pattern.matchWhole("path: /var/lib/teleport/bot (0.5s)"))
        XCTAssertNotNil(pattern.matchWhole("path: /tmp/flow/var/lib/teleport/bot (0.5s)"))
        XCTAssertNil(pattern.matchWhole("path: /tmp/other/var/lib/teleport/bot (0.5s)"))
        XCTAssertNil(pattern.matchWhole("path: /var/lib/teleport/bot (0x5s)"))
    }

    func testInOrderMatchingNamesTheFirstMissingLine() throws {
        let pattern = OutputPattern("first\nthird\nsecond")
        guard case .failure(let missing) = pattern.matchInOrder("first\nsecond\nthird") else {
            return XCTFail("lines out of order must not match")
        }
        XCTAssertEqual(missing.text, "second")
        XCTAssertNoThrow(try OutputPattern("first\nthird").matchInOrder("first\nsecond\nthird").get())
    }

    /// A flow runs commands in one shell (variables and the directory carry over), feeds captured
    /// values to later commands, checks exit statuses, and never reaches beyond its directory.
    func testShellStateCapturesAndExitStatus() async throws {
        let flow = try DocFlow.parse("""
            <!-- test: run -->
            ```sh
            mkdir -p /tmp/joinery/work && cd /tmp/joinery/work
            SECRET=abc123
            echo "The value: $SECRET"
            ```
            <!-- test: output -->
            ```
            The value: <value>
            ```
            <!-- test: run -->
            ```sh
            test "$(pwd)" != "/tmp/""joinery/work" || exit 9   # moved under the flow's directory
            case "$(pwd)" in */tmp/joinery/work) ;; *) exit 8 ;; esac
            echo "again <value> $SECRET"
            ```
            <!-- test: output -->
            ```
            again abc123 abc123
            ```
            <!-- test: sh fails exit 3 -->
            """, path: "shell.md")
        let failure = try await DocFlowRunner(flow).run()
        XCTAssertNil(failure, "\(String(describing: failure))")

        let failing = try DocFlow.parse("<!-- test: run -->\n```sh\nfalse\necho never\n```", path: "f.md")
        let result = try await DocFlowRunner(failing).run()
        XCTAssertEqual(result?.line, 1)
        XCTAssertTrue(result?.message.hasPrefix("the block exited 1") == true, "\(String(describing: result))")
        let unbound = try DocFlow.parse("<!-- test: run -->\n```sh\necho <token>\n```", path: "u.md")
        let unboundResult = try await DocFlowRunner(unbound).run()
        XCTAssertEqual(unboundResult?.message, "the command uses <token>, which no output shown before it provides")
    }

    /// The point of the harness: change one documented flag of the quick start and the guide's
    /// flow fails at that command, naming its line.
    func testADriftedFlagFailsTheGuide() async throws {
        guard FileManager.default.isExecutableFile(atPath: ClusterProcesses.tctl.path) else {
            throw XCTSkip("tctl not built")
        }
        let path = "docs/quickstart.md"
        let markdown = try String(contentsOf: GuideFlowTests.repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        let original = "tctl -c auth.yaml tokens add --type=node --ttl=5m\n"
        XCTAssertTrue(markdown.contains(original), "the quick start no longer has the command this test changes")
        let drifted = markdown.replacingOccurrences(of: original, with: "tctl -c auth.yaml tokens add --type=node --time-to-live=5m\n")
        let line = drifted.components(separatedBy: "\n").firstIndex { $0.contains("--time-to-live") }! + 1
        let failure = try await DocFlowRunner(try DocFlow.parse(drifted, path: path)).run()
        XCTAssertNotNil(failure)
        XCTAssertLessThan(failure?.line ?? 0, line)
        XCTAssertGreaterThan(failure?.line ?? 0, line - 4, "the failure must point at the drifted command's block")
        XCTAssertTrue(failure?.message.contains("time-to-live") == true, "\(String(describing: failure))")
    }
}
