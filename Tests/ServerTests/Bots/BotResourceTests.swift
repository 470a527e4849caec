import Foundation
import JoinCore
import Server
import TestSupport
import XCTest

/// The `bot` resource as tctl sends it: the seed guide's bot.yaml is accepted, anything
/// malformed is refused with a message naming the problem, and a refusal stores nothing.
final class BotResourceTests: XCTestCase {
    private var cluster: TestCluster!

    override func setUp() async throws { cluster = try await TestCluster() }
    override func tearDown() async throws { await cluster.stop() }

    private func create(_ json: String, upsert: Bool = false) async throws -> BotResource {
        let bot: BotResource
        do {
            bot = try JSONDecoder().decode(BotResource.self, from: Data(json.utf8))
        } catch {
            throw JoinError.badParameter(DecodingErrorDescription.describe(error))
        }
        return try await cluster.server.bots.create(bot, upsert: upsert)
    }

    func testTheSeedGuidesBotIsStored() async throws {
        let bot = try await create(#"{"kind":"bot","version":"v1","metadata":{"name":"example"},"spec":{"roles":[]}}"#)
        XCTAssertEqual(bot.metadata.name, "example")
        let stored = try await cluster.server.bots.get(name: "example")
        XCTAssertEqual(stored, bot)
    }

    func testMalformedBotsAreRefusedAndNothingIsStored() async throws {
        let cases: [(String, String)] = [
            (#"{"kind":"bot","version":"v1","metadata":{"name":"a"},"spec":{"roles":[],"colour":"red"}}"#, "colour"),
            (#"{"kind":"bot","version":"v1","metadata":{"name":"a"},"spec":{},"extra":1}"#, "extra"),
            (#"{"kind":"bot","version":"v1","metadata":{"name":"has space"},"spec":{}}"#, "may contain only"),
            (#"{"kind":"bot","version":"v1","metadata":{"name":""},"spec":{}}"#, "missing bot name"),
            (#"{"kind":"bot","version":"v1","metadata":{"name":"\#(String(repeating: "a", count: 200))"},"spec":{}}"#, "at most 128"),
            (#"{"kind":"bot","version":"v2","metadata":{"name":"a"},"spec":{}}"#, "unsupported bot version"),
            (#"{"kind":"bot","version":"v1","metadata":{"name":"a"},"spec":{"roles":["a,b"]}}"#, "role names"),
            (#"{"kind":"bot","version":"v1","metadata":{"name":"a"},"spec":{"roles":"admin"}}"#, "roles"),
        ]
        for (json, expected) in cases {
            do {
                _ = try await create(json)
                XCTFail("accepted: \(json)")
            } catch let error as JoinError {
                XCTAssertEqual(error.kind, .badParameter, json)
                XCTAssertTrue(error.message.contains(expected), "\(json): \(error.message)")
            }
        }
        let stored = try await cluster.server.bots.list()
        XCTAssertTrue(stored.isEmpty)
    }

    func testCreatingAnExistingBotAgainIsRefusedAndKeepsTheOriginal() async throws {
        let original = try await create(#"{"kind":"bot","version":"v1","metadata":{"name":"twice"},"spec":{"roles":["a"]}}"#)
        do {
            _ = try await create(#"{"kind":"bot","version":"v1","metadata":{"name":"twice"},"spec":{"roles":["b"]}}"#)
            XCTFail("a second create must be refused")
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, .alreadyExists)
            XCTAssertTrue(error.message.contains("tctl create -f"), error.message)
        }
        let stored = try await cluster.server.bots.get(name: "twice")
        XCTAssertEqual(stored, original)
    }
}
