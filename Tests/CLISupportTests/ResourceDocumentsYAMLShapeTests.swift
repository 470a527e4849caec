import CLISupport
import JoinCore
import XCTest

/// Resource files with YAML that is well formed but has a shape no resource has: refused with a
/// `badParameter` naming the file, never a crash of tctl. Found by fuzzing
/// (`Fuzz/regressions/resource-yaml/yams-non-scalar-mapping-key.yaml`): the syntax check used to
/// build Swift values with Yams' `load_all`, which force-unwraps a mapping key that is itself a
/// mapping or a list.
final class ResourceDocumentsYAMLShapeTests: XCTestCase {
    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JoinError? {
        do {
            _ = try ResourceDocuments.documents(fromText: text, path: "token.yaml")
            XCTFail("expected the file to be refused", file: file, line: line)
        } catch let error as JoinError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    func testMappingKeyThatIsAMappingIsABadParameter() {
        // The fuzzer's input: a flow sequence holding a mapping whose key is a mapping.
        let refused = error("b  adescl: [?{n}]\n")
        XCTAssertEqual(refused?.kind, .badParameter)
        XCTAssertTrue(refused?.message.hasPrefix("token.yaml") ?? false, refused?.message ?? "")
    }
}
