import Agent
import Foundation
import JoinCore
import Logging
import Server
import Synchronization
import TestSupport

/// Check 6: a client that goes away in the middle of a challenge. Over real gRPC and TLS (the
/// cluster serving on 127.0.0.1 and the real ``JoinClient``), the client's task is cancelled
/// as soon as the first challenge reaches its prover. The server must end the attempt (within
/// its join deadline), audit it as one failed join, and leave the backend unchanged.
enum CancelledStreamCheck {
    /// How long the client may take to get its first challenge, and the server to audit the
    /// abandoned attempt (TestCluster's join deadline is 10 seconds).
    static let challengeWait: Duration = .seconds(20)
    static let auditWait: Duration = .seconds(20)

    static func run(_ subject: some ConformanceSubject) async -> ConformanceCheckResult {
        if case .never = subject.traits.challenges {
            return ConformanceCheckResult(check: .cancelledStream, outcome: .notApplicable(
                "the method sends no challenge (as the subject declares), so a stream cannot be cancelled mid-challenge"))
        }
        return await withLab(subject, .cancelledStream) { lab in
            let address = try await lab.cluster.start()
            let join = try await subject.prepareValidJoin(in: lab.cluster)
            let before = try await lab.snapshot()
            let eventsBefore = try await lab.joinEvents().count

            let plugin = try lab.cluster.registry.plugin(named: subject.methodName)
            let (arrivals, arrived) = AsyncStream<Void>.makeStream()
            let stalling = JoinMethodPlugin(
                name: plugin.name, authServiceKeys: plugin.authServiceKeys, makeMethod: plugin.makeMethod,
                makeProver: { StallingProver(inner: try plugin.makeProver($0), arrived: arrived) })
            let client = JoinClient(registry: JoinMethodRegistry(plugins: [stalling]), clock: lab.clock,
                                    logger: Logger(label: "joinery.conformance.client"), proverContext: lab.proverContext(for: join))
            let parameters = JoinParameters(authServer: address, tokenName: join.tokenName, method: subject.methodName,
                                            role: join.role, nodeName: ConformanceAttempt.nodeName, caPins: lab.cluster.pins())

            let interrupted = await interruptAtFirstChallenge(arrivals) {
                if join.role == .bot {
                    _ = try await client.joinBot(parameters)
                } else {
                    _ = try await client.join(parameters)
                }
            }
            if let problem = interrupted { return failed(problem) }

            let events = try await awaitJoinEvents(lab, after: eventsBefore)
            var problems: [String] = []
            if events.isEmpty {
                problems.append("no join audit event appeared within \(auditWait) of the cancellation: the attempt did not end, or was not audited")
            } else {
                problems += ConformanceLab.auditProblems(events, expectedSuccesses: 0, expectedFailures: 1)
            }
            let changes = before.changes(to: try await lab.snapshot())
            if !changes.isEmpty { problems.append(changes.listing) }
            guard problems.isEmpty else { return failed("a client cancelled mid-challenge over gRPC: " + problems.joined(separator: "; ")) }
            return ConformanceCheckResult(check: .cancelledStream, outcome: .passed, evidence:
                "a client over gRPC cancelled once its first challenge arrived: the attempt ended, audited as one failure "
                    + "(\"\(events.first?.reason ?? "")\"); backend unchanged")
        }
    }

    /// Runs `join` until the first challenge arrives, then cancels it. Returns why that could
    /// not be done, or nil.
    private static func interruptAtFirstChallenge(_ arrivals: AsyncStream<Void>,
                                                  _ join: @escaping @Sendable () async throws -> Void) async -> String? {
        enum Event: Sendable {
            case challengeArrived, timedOut
            case joinEnded(String)
        }
        return await withTaskGroup(of: Event.self) { group in
            group.addTask {
                do {
                    try await join()
                    return .joinEnded("it joined")
                } catch {
                    return .joinEnded("it ended with \(describe(error))")
                }
            }
            group.addTask {
                for await _ in arrivals { return .challengeArrived }
                return .timedOut
            }
            group.addTask {
                try? await Task.sleep(for: challengeWait)
                return .timedOut
            }
            let first = await group.next()
            group.cancelAll()
            switch first {
            case .challengeArrived?: return nil
            case .joinEnded(let how)?: return "the client's join ended before any challenge reached it: \(how)"
            case .timedOut?, nil: return "no challenge reached the client within \(challengeWait)"
            }
        }
    }

    /// Polls the audit log until a join event after the first `count` appears (bounded).
    private static func awaitJoinEvents(_ lab: ConformanceLab, after count: Int) async throws -> [AuditEvent] {
        let deadline = ContinuousClock.now + auditWait
        while ContinuousClock.now < deadline {
            let events = Array(try await lab.joinEvents().dropFirst(count))
            if !events.isEmpty {
                // Give a second event (there must be none) a moment to show up.
                try await Task.sleep(for: .milliseconds(200))
                return Array(try await lab.joinEvents().dropFirst(count))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return []
    }

    private static func failed(_ reason: String) -> ConformanceCheckResult {
        ConformanceCheckResult(check: .cancelledStream, outcome: .failed(reason))
    }
}

/// The subject's prover, except that on its first challenge it says so and then waits until
/// its task is cancelled, as a client that dies mid-challenge.
private struct StallingProver: JoinProver {
    let inner: any JoinProver
    let arrived: AsyncStream<Void>.Continuation

    var name: String { inner.name }
    func accepts(serverMethod: String) -> Bool { inner.accepts(serverMethod: serverMethod) }
    func initialPayload(for request: ProofRequest) async throws -> Data { try await inner.initialPayload(for: request) }
    func finish(methodResult: Data, for request: ProofRequest) async throws { try await inner.finish(methodResult: methodResult, for: request) }

    func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        arrived.yield()
        try await Task.sleep(for: .seconds(3600))
        throw CancellationError()
    }
}
