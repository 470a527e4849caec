import AWSKit
import Foundation
@testable import IAMJoin
import JoinCore
import NIOHTTP1
import TestSupport
import XCTest

/// Answers each challenge with a closure, as a joining node would (a prover, or a test that
/// builds a tampered request); records what was challenged.
final class ScriptedExchange: ChallengeExchange, @unchecked Sendable {
    private let lock = NSLock()
    private var _challenges: [String] = []
    let respond: @Sendable (String) async throws -> Data

    init(_ respond: @escaping @Sendable (String) async throws -> Data) {
        self.respond = respond
    }

    /// Answers with `prover`.
    convenience init(prover: any JoinProver) {
        self.init { challenge in
            try await prover.answer(Data(challenge.utf8), for: IAMHarness.keys.proof(token: "iam-fleet", role: .node, nodeName: "iam-node"))
        }
    }

    var challenges: [String] { lock.withLock { _challenges } }

    func challenge(_ payload: Data) async throws -> Data {
        let text = String(decoding: payload, as: UTF8.self)
        lock.withLock { _challenges.append(text) }
        return try await respond(text)
    }
}

/// Tokens, attempts, and signed (or deliberately broken) GetCallerIdentity requests.
enum IAMHarness {
    static let account = "123456789012"
    /// The keys every harness join presents in ClientInit, and so the binding its proofs carry.
    static let keys = JoinTestKeys()
    static let testCredentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    static func token(_ name: String = "iam-fleet", roles: [SystemRole] = [.node], allow rules: [AWSAllowRule]) -> ProvisionToken {
        var token = ProvisionToken(name: name, roles: roles, joinMethod: "iam")
        token.spec.setAWSAllowRules(rules)
        return token
    }

    static func attempt(_ token: ProvisionToken, role: SystemRole = .node) -> JoinAttempt {
        JoinAttempt(token: token, tokenRevision: 1, requestedRole: role, nodeName: "iam-node",
                    remoteAddress: "127.0.0.1:50000", initialPayload: Data(), startedAt: Date(), keyBinding: keys.binding)
    }

    /// A method whose STS calls go to `sts` (as `AWS_ENDPOINT_URL_STS`); `fips` sets `auth_service.aws.fips`.
    static func method(sts: URL?, fips: Bool = false) throws -> IAMJoinMethod {
        let authService: JSONValue = fips ? .object(["aws": .object(["fips": .bool(true)])]) : .object([:])
        var environment: [String: String] = [:]
        if let sts { environment["AWS_ENDPOINT_URL_STS"] = sts.absoluteString }
        return try IAMJoinMethod(context: PluginContext(authService: authService), environment: environment)
    }

    /// A prover signing with `credentials` in `region`.
    static func prover(credentials: AWSCredentials, region: String = "us-east-1", joinParams: JSONValue = .object([:])) throws -> IAMProver {
        var environment = ["AWS_REGION": region, "AWS_EC2_METADATA_DISABLED": "true",
                           "AWS_ACCESS_KEY_ID": credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
                           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"]
        if let token = credentials.sessionToken { environment["AWS_SESSION_TOKEN"] = token }
        return try IAMProver(context: ProverContext(joinParams: joinParams), environment: environment)
    }

    /// The parts of a request a test may change before (or after) signing.
    struct RequestShape {
        var method = "POST"
        var path = "/"
        var host = "sts.us-east-1.amazonaws.com"
        var body = STSIdentityRequestChecks.expectedBody
        var includeChallenge = true
        var signChallenge = true
        var challengeOverride: String?
        /// Signed into `X-Joinery-Key-Binding`; `nil` leaves the header out.
        var keyBinding: KeyBinding? = IAMHarness.keys.binding
    }

    /// A correctly signed request for `challenge`, shaped by `shape`, in wire format.
    static func signedRequest(challenge: String, _ shape: RequestShape = RequestShape(),
                              credentials: AWSCredentials = testCredentials) throws -> [UInt8] {
        var request = SignableRequest(method: shape.method, path: shape.path, headers: [:], body: Array(shape.body.utf8))
        request.headers.add(name: "Host", value: shape.host)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        request.headers.add(name: "Accept", value: "application/json")
        if shape.includeChallenge && shape.signChallenge {
            request.headers.add(name: "X-Teleport-Challenge", value: shape.challengeOverride ?? challenge)
        }
        if let keyBinding = shape.keyBinding { request.headers.add(name: "X-Joinery-Key-Binding", value: keyBinding.text) }
        request.headers.add(name: "Content-Length", value: String(shape.body.utf8.count))
        try SigV4Signer().sign(&request, credentials: credentials, region: "us-east-1", service: "sts", date: Date())
        if shape.includeChallenge && !shape.signChallenge {
            request.headers.add(name: "X-Teleport-Challenge", value: shape.challengeOverride ?? challenge)
        }
        return STSIdentityRequestBuilder.wireBytes(request)
    }
}

extension XCTestCase {
    /// Runs `attest`, expecting a ``JoinError`` of `kind` containing `expected`.
    @discardableResult
    func attestFails(_ method: IAMJoinMethod, _ attempt: JoinAttempt, over exchange: ScriptedExchange,
                     _ kind: JoinError.Kind? = .accessDenied, containing expected: String,
                     file: StaticString = #filePath, line: UInt = #line) async -> JoinError? {
        do {
            let attestation = try await method.attest(attempt, over: exchange)
            XCTFail("expected a rejection containing \"\(expected)\", got a join with \(attestation.hostID ?? "no host ID") and facts \(attempt.facts.all)", file: file, line: line)
        } catch let error as JoinError {
            if let kind { XCTAssertEqual(error.kind, kind, error.message, file: file, line: line) }
            XCTAssertTrue(error.message.contains(expected), "\"\(error.message)\" lacks \"\(expected)\"", file: file, line: line)
            return error
        } catch {
            XCTFail("expected a JoinError, got \(type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }
}

/// `Tests/Fixtures/sigv4/sts-hosts.txt`: Teleport's TestValidateSTSHost cases, one
/// `<verdict> <host>` a line.
enum STSHostFixture {
    static let path = "sigv4/sts-hosts.txt"

    struct Case {
        let verdict: String
        let host: String
    }

    static func cases() throws -> [Case] {
        let text = try Fixtures.string(path)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard !line.hasPrefix("#"), fields.count == 2 else { return nil }
            return Case(verdict: String(fields[0]), host: String(fields[1]))
        }
    }
}
