import Foundation
import JoinCore
import Server

/// Check 7: the method's single-use case (a bot token, a registration secret) used by several
/// clients at once; for a method with challenges, every client is held at its first challenge
/// until all have one, so the attempts overlap where a check-then-use race would be. Exactly one may join; the others must be refused with typed errors; the
/// audit log must show one success and the rest failures; and the backend must show one use:
/// the race changes the same keys, by folder and kind, as one join alone does in a fresh
/// cluster (so a loser can leave no bot instance, no second consumption, no extra state).
enum ConcurrentUseCheck {
    static let clients = 4
    /// The longest clients are held at their first challenge waiting for the others.
    static let barrierWait: Duration = .seconds(3)

    static func run(_ subject: some ConformanceSubject) async -> ConformanceCheckResult {
        await runCheck(.concurrentUse) {
            let alone = try await ConformanceLab.with(subject) { lab -> Reference in
                switch try await subject.prepareSingleUseRace(in: lab.cluster, clients: 1) {
                case .notApplicable(let reason): return Reference(notApplicable: reason)
                case .prepared(let joins):
                    guard joins.count == 1 else { return Reference(problem: "asked for 1 client, the subject prepared \(joins.count)") }
                    let before = try await lab.snapshot()
                    let outcome = await lab.run(ConformanceAttempt(joins[0]))
                    guard outcome.result != nil, outcome.proverError == nil else {
                        return Reference(problem: "the single-use join alone did not succeed: \(outcome.summary)")
                    }
                    return Reference(changes: before.changes(to: try await lab.snapshot()))
                }
            }
            if let reason = alone.notApplicable {
                return ConformanceCheckResult(check: .concurrentUse, outcome: .notApplicable(reason))
            }
            guard let reference = alone.changes else { return failed(alone.problem ?? "no reference join") }
            return try await ConformanceLab.with(subject) { lab in try await race(subject, in: lab, reference: reference) }
        }
    }

    private struct Reference {
        var notApplicable: String?
        var problem: String?
        var changes: [BackendChange]?

        init(notApplicable: String) { self.notApplicable = notApplicable }
        init(problem: String) { self.problem = problem }
        init(changes: [BackendChange]) { self.changes = changes }
    }

    private static func race(_ subject: some ConformanceSubject, in lab: ConformanceLab,
                             reference: [BackendChange]) async throws -> ConformanceCheckResult {
        let joins: [ConformanceJoin]
        switch try await subject.prepareSingleUseRace(in: lab.cluster, clients: clients) {
        case .notApplicable(let reason):
            return failed("the subject prepared a single-use join for one client but not for \(clients) (\(reason))")
        case .prepared(let prepared): joins = prepared
        }
        guard joins.count == clients else { return failed("asked for \(clients) clients, the subject prepared \(joins.count)") }

        let before = try await lab.snapshot()
        let eventsBefore = try await lab.joinEvents().count
        let barrier = ChallengeBarrier(parties: clients)
        let outcomes = await withTaskGroup(of: ConformanceAttemptOutcome?.self) { group in
            for join in joins {
                group.addTask {
                    var attempt = ConformanceAttempt(join)
                    attempt.atFirstChallenge = { await barrier.arrive() }
                    return await lab.run(attempt)
                }
            }
            // Clients refused before any challenge never arrive; do not hold the others for ever.
            group.addTask {
                try? await Task.sleep(for: barrierWait)
                await barrier.open()
                return nil
            }
            var outcomes: [ConformanceAttemptOutcome] = []
            while outcomes.count < clients, let next = await group.next() {
                if let next { outcomes.append(next) }
            }
            group.cancelAll()
            return outcomes
        }
        let changes = before.changes(to: try await lab.snapshot())
        let events = Array(try await lab.joinEvents().dropFirst(eventsBefore))

        var problems: [String] = []
        let winners = outcomes.filter { $0.result != nil }
        if winners.count != 1 { problems.append("\(winners.count) of \(clients) concurrent clients joined, expected exactly 1") }
        let losers = outcomes.filter { $0.result == nil }
        for loser in losers {
            let refusal = ConformanceLab.refusalProblems(loser, .anyTypedError)
            if !refusal.isEmpty { problems.append("a losing client: " + refusal.joined(separator: ", ")) }
        }
        problems += ConformanceLab.auditProblems(events, expectedSuccesses: 1, expectedFailures: clients - 1)
        if changes.shapeCounts != reference.shapeCounts {
            problems.append("the race changed the backend unlike one join: \(describe(changes)) against \(describe(reference)) for one join alone")
        }
        guard problems.isEmpty else { return failed(problems.joined(separator: "; ")) }
        let kinds = Set(losers.compactMap { $0.joinError.map { "\($0.kind.rawValue) \"\($0.message)\"" } }).sorted()
        return ConformanceCheckResult(check: .concurrentUse, outcome: .passed, evidence:
            "\(clients) concurrent clients: 1 joined, \(clients - 1) refused (\(kinds.joined(separator: "; "))); "
                + "the backend shows one use (\(describe(changes))); audit: 1 success, \(clients - 1) failures")
    }

    private static func describe(_ changes: [BackendChange]) -> String {
        changes.isEmpty ? "no change" : changes.shapeCounts.sorted { $0.key < $1.key }.map { "\($0.value)× \($0.key)" }.joined(separator: ", ")
    }

    private static func failed(_ reason: String) -> ConformanceCheckResult {
        ConformanceCheckResult(check: .concurrentUse, outcome: .failed(reason))
    }
}

/// Holds each arriving client until `parties` have arrived (or until opened), then lets all go.
private actor ChallengeBarrier {
    let parties: Int
    private var arrived = 0
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arrive() async {
        arrived += 1
        if arrived >= parties { open() }
        guard !isOpen else { return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func open() {
        isOpen = true
        let released = waiting
        waiting = []
        for continuation in released { continuation.resume() }
    }
}
