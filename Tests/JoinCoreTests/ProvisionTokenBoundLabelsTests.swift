import JoinCore
import XCTest

/// The labels a token binds to the hosts it admits: its metadata labels (Teleport's own keys
/// excepted) under `spec.suggested_labels` (a value or a list of values).
final class ProvisionTokenBoundLabelsTests: XCTestCase {
    func testSuggestedLabelsWinOverMetadataLabelsAndTeleportsOwnKeysAreNotBound() {
        var token = ProvisionToken(name: "t", roles: [.node], joinMethod: "token")
        XCTAssertEqual(token.boundLabels, [:])
        token.metadata.labels = ["env": "prod", "tier": "web", "teleport.dev/origin": "config-file"]
        token.spec.suggestedLabels = .object([
            "env": .array([.string("staging")]), "region": .string("eu"), "zones": .array([.string("a"), .string("b")]),
            "ignored": .number(3),
        ])
        XCTAssertEqual(token.boundLabels, ["env": "staging", "tier": "web", "region": "eu", "zones": "a,b"])
    }
}
