import Foundation
import JoinCore

/// Failed sign-ins per user name, kept in the backend (`/login_failures/<name>`) so every Auth
/// server of the cluster counts the same attempts. After ``maximumFailures`` failures within
/// ``window`` the name is refused for the rest of the window, whether or not such a user
/// exists, so the lockout does not tell an attacker which names are real (Teleport locks an
/// account for a while after five failed attempts).
public struct LoginAttemptLimiter: Sendable {
    static let prefix = "/login_failures/"
    public static let maximumFailures = 5
    public static let window: TimeInterval = 30 * 60

    struct Failures: Codable {
        var times: [Date]
    }

    let backend: any Backend
    let clock: any JoinClock

    public init(backend: any Backend, clock: any JoinClock) {
        self.backend = backend
        self.clock = clock
    }

    /// Throws `limitExceeded` while `name` is locked out.
    public func requireAllowed(_ name: String) async throws {
        let recent = try await recentFailures(name).times
        if recent.count >= Self.maximumFailures, let first = recent.first {
            let until = first.addingTimeInterval(Self.window)
            throw JoinError.limitExceeded(
                "too many failed sign-in attempts for \(UntrustedString.sanitize(name)); try again after \(RFC3339.format(until))")
        }
    }

    /// Counts one failure for `name`.
    public func recordFailure(_ name: String) async throws {
        for _ in 0..<5 {
            let key = Self.prefix + name
            let now = clock.now
            let existing = try await backend.get(key)
            var failures = existing.flatMap { try? JSONDecoder().decode(Failures.self, from: $0.value) } ?? Failures(times: [])
            failures.times = (failures.times.filter { $0 > now.addingTimeInterval(-Self.window) } + [now]).suffix(Self.maximumFailures)
            let value = try JSONEncoder().encode(failures)
            do {
                if let existing {
                    _ = try await backend.compareAndSwap(key, expectedRevision: existing.revision, value: value,
                                                         expires: now.addingTimeInterval(Self.window))
                } else {
                    _ = try await backend.create(key, value: value, expires: now.addingTimeInterval(Self.window))
                }
                return
            } catch let error as JoinError where error.kind == .compareFailed || error.kind == .alreadyExists {
                continue
            }
        }
    }

    /// Forgets the failures of `name` (a successful sign-in, or a reset by an admin).
    public func reset(_ name: String) async throws {
        try? await backend.delete(Self.prefix + name)
    }

    private func recentFailures(_ name: String) async throws -> Failures {
        let now = clock.now
        guard let item = try await backend.get(Self.prefix + name),
              var failures = try? JSONDecoder().decode(Failures.self, from: item.value) else { return Failures(times: []) }
        failures.times = failures.times.filter { $0 > now.addingTimeInterval(-Self.window) }
        return failures
    }
}
