import AWSKit
import EC2Join
import Foundation
import Synchronization
import TestSupport

/// A ``DescribeInstancesAPI`` that passes each request on (to moto, usually) and records what
/// was asked, in which scope and when, so tests can read the batches the batcher formed.
final class RecordingDescribeInstancesAPI: DescribeInstancesAPI {
    struct Request: Sendable {
        let scope: InstanceLookupScope
        let instanceIDs: [String]
        let sentAt: ContinuousClock.Instant
    }

    private let next: any DescribeInstancesAPI
    private let recorded = Mutex<[Request]>([])

    init(passingTo next: any DescribeInstancesAPI) {
        self.next = next
    }

    /// Requests to moto at `endpoint` with dummy keys, in each scope's region.
    convenience init(moto endpoint: String) {
        let environment = ["AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_EC2_METADATA_DISABLED": "true"]
        self.init(passingTo: EC2DescribeInstancesAPI { scope in
            try EC2Client(httpClient: .shared, region: scope.region,
                          credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"),
                          environment: environment)
        })
    }

    var requests: [Request] { recorded.withLock { $0 } }

    func describeInstances(_ instanceIDs: [String], in scope: InstanceLookupScope, nextToken: String?) async throws -> EC2InstancePage {
        recorded.withLock { $0.append(Request(scope: scope, instanceIDs: instanceIDs, sentAt: .now)) }
        return try await next.describeInstances(instanceIDs, in: scope, nextToken: nextToken)
    }
}

/// A ``DescribeInstancesAPI`` with no network: every instance it is asked about is running.
struct EverythingRunningAPI: DescribeInstancesAPI {
    func describeInstances(_ instanceIDs: [String], in scope: InstanceLookupScope, nextToken: String?) async throws -> EC2InstancePage {
        EC2InstancePage(states: instanceIDs.map { EC2InstanceState(instanceID: $0, stateName: "running", stateCode: 16) })
    }
}

/// Runs every lookup at once, each in its own child task, and returns each one's outcome in
/// the order given.
func concurrently<T: Sendable>(_ count: Int, _ lookup: @escaping @Sendable (Int) async throws -> T) async -> [Result<T, any Error>] {
    await withTaskGroup(of: (Int, Result<T, any Error>).self) { group in
        for index in 0..<count {
            group.addTask {
                do { return (index, .success(try await lookup(index))) } catch { return (index, .failure(error)) }
            }
        }
        var results = [Result<T, any Error>?](repeating: nil, count: count)
        for await (index, result) in group { results[index] = result }
        return results.map { $0! }
    }
}

/// Fails with a readable error if `body` takes longer than `seconds`, instead of hanging the run.
func within<T: Sendable>(seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TestFailure("\(what) did not finish within \(seconds) s")
        }
        return value
    }
}
