import AWSKit
import EC2Join
import Foundation
import JoinCore
import Server
import XCTest

/// A ``ChallengeExchange`` for methods that must never challenge (EC2 proves everything with
/// the document in `ClientInit`): a call fails the test that made it and throws.
struct ChallengeForbiddenExchange: ChallengeExchange {
    let file: StaticString
    let line: UInt

    init(file: StaticString = #filePath, line: UInt = #line) {
        self.file = file
        self.line = line
    }

    func challenge(_ payload: Data) async throws -> Data {
        XCTFail("the ec2 method sent a challenge (\(payload.count) bytes); it never should", file: file, line: line)
        throw JoinError.internalError("unexpected challenge")
    }
}

/// Builds the pieces a method-level EC2 test needs: tokens, attempts and a heartbeat registry
/// over a real SQLite backend, all on one frozen clock.
enum EC2MethodHarness {
    /// A whole-second time for `pendingTime`, so the document's JSON and the clock agree exactly.
    static let pendingTime = Date(timeIntervalSince1970: Double(Int(Date().timeIntervalSince1970)))

    /// An `ec2` token named `name` with `rules`, already through the method's validation.
    static func token(_ name: String = "ec2-fleet", roles: [SystemRole] = [.node], allow rules: [AWSAllowRule]) -> ProvisionToken {
        var token = ProvisionToken(name: name, roles: roles, joinMethod: "ec2")
        token.spec.setAWSAllowRules(rules)
        return token
    }

    /// An attempt from 127.0.0.1 carrying `document`, started at `clock.now`.
    static func attempt(token: ProvisionToken, document: Data, role: SystemRole = .node,
                        presence: any HostPresence = NoHostPresence(), clock: any JoinClock) -> JoinAttempt {
        JoinAttempt(token: token, tokenRevision: 1, requestedRole: role, nodeName: "ec2-node",
                    remoteAddress: "127.0.0.1:50000", initialPayload: document, startedAt: clock.now,
                    presence: presence)
    }

    /// The `auth_service` section that trusts `certificates` for identity documents.
    static func authService(certificatesDirectory certificates: URL) -> JSONValue {
        .object(["aws": .object(["ec2_certificates_dir": .string(certificates.path)])])
    }
}

extension XCTestCase {
    /// A ``NodeRegistry`` over a fresh SQLite file in a temporary folder removed after the test.
    func makeNodeRegistry(clock: any JoinClock) throws -> NodeRegistry {
        let folder = try temporaryDirectory()
        let backend = try SQLiteBackend(path: folder.appendingPathComponent("backend.sqlite"), clock: clock)
        return NodeRegistry(backend: backend, clock: clock)
    }

    /// Records a heartbeat from `hostID` in `roles`, as a joined process would send.
    func heartbeat(_ registry: NodeRegistry, hostID: String, roles: [SystemRole]) async throws {
        _ = try await registry.heartbeat(hostID: hostID, hostname: "ec2-node", address: "127.0.0.1:3022",
                                         version: "test", labels: [:], roles: roles.map(\.rawValue))
    }

    /// Runs `method.attest` on `attempt`, expecting it to succeed; fails the test and throws otherwise.
    func attestSucceeds(_ method: any JoinMethod, _ attempt: JoinAttempt,
                        file: StaticString = #filePath, line: UInt = #line) async throws -> Attestation {
        do {
            return try await method.attest(attempt, over: ChallengeForbiddenExchange(file: file, line: line))
        } catch {
            XCTFail("expected the join to succeed, got \(error)", file: file, line: line)
            throw error
        }
    }

    /// Runs `method.attest` on `attempt`, expecting a ``JoinError`` of `kind` whose message
    /// contains `expected`; returns it (nil after recording a failure).
    @discardableResult
    func attestFails(_ method: any JoinMethod, _ attempt: JoinAttempt, _ kind: JoinError.Kind = .accessDenied,
                     containing expected: String,
                     file: StaticString = #filePath, line: UInt = #line) async -> JoinError? {
        do {
            let attestation = try await method.attest(attempt, over: ChallengeForbiddenExchange(file: file, line: line))
            XCTFail("expected \(kind) containing \"\(expected)\", got a join as \(attestation.hostID ?? "?")", file: file, line: line)
        } catch let error as JoinError {
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            XCTAssertTrue(error.message.contains(expected), "\"\(error.message)\" lacks \"\(expected)\"", file: file, line: line)
            return error
        } catch {
            XCTFail("expected a JoinError, got \(type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }

    /// Asserts the attempt recorded the verified account, region and instance for the audit event.
    func assertFactsRecorded(_ attempt: JoinAttempt, account: String, region: String, instance: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        let facts = attempt.facts.all
        XCTAssertEqual(facts["aws_account"], account, "\(facts)", file: file, line: line)
        XCTAssertEqual(facts["aws_region"], region, "\(facts)", file: file, line: line)
        XCTAssertEqual(facts["instance_id"], instance, "\(facts)", file: file, line: line)
    }
}
