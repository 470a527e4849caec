import CLIKit
import CLISupport
import XCTest

/// `listen_backlog` in `auth_service` and `proxy_service`: absent means the kernel's maximum,
/// a whole number in range is kept, anything else is refused with the key's path.
final class ListenBacklogConfigTests: XCTestCase {
    func testAbsentMeansTheKernelsMaximum() throws {
        let config = try FileConfig.parse(yaml: "version: v3\nauth_service:\n  enabled: yes\nproxy_service:\n  enabled: yes\n")
        XCTAssertNil(config.authService.listenBacklog)
        XCTAssertNil(config.proxyService.listenBacklog)
    }

    func testEachServiceKeepsItsOwnValue() throws {
        let config = try FileConfig.parse(yaml: """
            version: v3
            auth_service:
              listen_backlog: 8192
            proxy_service:
              listen_backlog: 2048
            """)
        XCTAssertEqual(config.authService.listenBacklog, 8192)
        XCTAssertEqual(config.proxyService.listenBacklog, 2048)
    }

    func testValuesOutsideTheRangeOrNotNumbersAreRefusedWithThePath() throws {
        for (section, written) in [("auth_service", "0"), ("auth_service", "-5"), ("proxy_service", "70000"),
                                   ("proxy_service", "lots"), ("auth_service", "1.5")] {
            XCTAssertThrowsError(try FileConfig.parse(yaml: "version: v3\n\(section):\n  listen_backlog: \(written)\n"),
                                 "\(section).listen_backlog: \(written)") { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("\(section).listen_backlog"), text)
            }
        }
    }
}
