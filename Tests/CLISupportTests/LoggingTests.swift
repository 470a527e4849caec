import CLIKit
import CLISupport
import Foundation
import Logging
import Synchronization
import XCTest

/// Log lines: text for people, one JSON object per line for machines.
final class LoggingTests: XCTestCase {
    private let fixedTime = Date(timeIntervalSince1970: 1_795_239_600) // 2026-11-21T05:40:00Z

    func testTextLineShape() {
        let record = LogRecord(time: fixedTime, level: .info, component: "auth", message: "token created",
                               metadata: ["role": "Node", "note": "two words"])
        XCTAssertEqual(LogLineFormatter.text(record),
                       "2026-11-21T05:40:00Z INFO [auth] token created note=\"two words\" role=Node")
    }

    func testJSONLinesParseAsJSON() throws {
        let lines = Mutex<[String]>([])
        let sink = LogSink.capturing { line in lines.withLock { $0.append(line) } }
        var logger = Logger(label: "join") { label in
            JoineryLogHandler(label: label, level: .debug, format: .json, sink: sink, now: { [fixedTime] in fixedTime })
        }
        logger[metadataKey: "node"] = "node-1"
        logger.info("joined", metadata: ["role": "Node", "attrs": ["a": "1"], "list": ["x", "y"]])
        logger.debug("with \"quotes\"\nand newline")
        logger.trace("dropped below the level")

        let captured = lines.withLock { $0 }
        XCTAssertEqual(captured.count, 2)
        for line in captured {
            XCTAssertFalse(line.contains("\n"))
            XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
        }
        let first = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(captured[0].utf8)) as? [String: Any])
        XCTAssertEqual(first["time"] as? String, "2026-11-21T05:40:00Z")
        XCTAssertEqual(first["level"] as? String, "info")
        XCTAssertEqual(first["component"] as? String, "join")
        XCTAssertEqual(first["message"] as? String, "joined")
        let metadata = try XCTUnwrap(first["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["node"] as? String, "node-1")
        XCTAssertEqual(metadata["role"] as? String, "Node")
        XCTAssertEqual(metadata["attrs"] as? [String: String], ["a": "1"])
        XCTAssertEqual(metadata["list"] as? [String], ["x", "y"])
        let second = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(captured[1].utf8)) as? [String: Any])
        XCTAssertEqual(second["message"] as? String, "with \"quotes\"\nand newline")
        XCTAssertEqual(second["level"] as? String, "debug")
    }

    func testSeverityFromConfigOrDebugFlag() {
        XCTAssertEqual(LoggingSetup.level(severity: .warn, debugFlag: false), .warning)
        XCTAssertEqual(LoggingSetup.level(severity: .error, debugFlag: true), .debug)
        XCTAssertEqual(LogSeverity(parsing: "warning"), .warn)
        XCTAssertEqual(LogSeverity(parsing: "Debug"), .debug)
        XCTAssertNil(LogSeverity(parsing: "loud"))
    }
}
