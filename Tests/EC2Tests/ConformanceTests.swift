import AWSKit
import EC2Join
import Foundation
import JoinCore
import JoinMethodConformance
import TestSupport
import XCTest

/// The `ec2` method against the join-method conformance kit (DESIGN.md §4.4), with a genuine
/// AWS-signed identity document served by an IMDSv2 on 127.0.0.1, verified against the bundled
/// AWS certificate on a clock frozen just after the document's `pendingTime`.
final class ConformanceTests: XCTestCase {
    /// AWS's answer to `DescribeInstances` for the genuine sample: it runs; nothing else exists.
    struct SampleInstanceRunning: InstanceDirectory {
        let sample: GenuineIdentityDocumentSample

        func state(ofInstance instanceID: String, region: String, assumingRole roleARN: String?) async throws -> String? {
            instanceID == sample.instanceId && region == sample.region ? "running" : nil
        }
    }

    struct EC2Subject: ConformanceSubject {
        let sample: GenuineIdentityDocumentSample
        let imdsEndpoint: String

        let methodName = EC2JoinMethod.methodName
        var registry: JoinMethodRegistry {
            let sample = sample, endpoint = imdsEndpoint
            return JoinMethodRegistry(plugins: [JoinMethodPlugin(
                name: EC2JoinMethod.methodName, authServiceKeys: ["aws"],
                makeMethod: { try EC2JoinMethod(context: $0, instances: SampleInstanceRunning(sample: sample)) },
                makeProver: { _ in EC2Prover(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint]) })])
        }
        /// Thirty seconds after the instance started: well inside the default `aws_iid_ttl`.
        var clockStart: Date { RFC3339.parse(sample.pendingTime)!.addingTimeInterval(30) }
        let traits = ConformanceTraits(
            challenges: .never(replayDefence: "the proof is the AWS-signed identity document sent in ClientInit; a copied "
                + "document is only good within aws_iid_ttl of the instance's pendingTime and for one joined process per "
                + "instance (host ID <account>-<instance>)"),
            refusedRole: .proxy)

        func prepareValidJoin(in cluster: TestCluster) async throws -> ConformanceJoin {
            ConformanceJoin(tokenName: try await createToken(in: cluster, ttl: 3600), role: .node)
        }

        func prepareExpiredJoin(in cluster: TestCluster, clock: ManualClock) async throws -> ConformancePreparation<ConformanceJoin> {
            let name = try await createToken(in: cluster, ttl: 60)
            clock.advance(by: 61)
            return .prepared(ConformanceJoin(tokenName: name, role: .node))
        }

        func prepareSingleUseRace(in cluster: TestCluster, clients: Int) async throws -> ConformancePreparation<[ConformanceJoin]> {
            .notApplicable("ec2 tokens are multi-use until they expire; one process per instance is enforced through the "
                + "heartbeats of joined processes, not by a one-time use of the token")
        }

        private func createToken(in cluster: TestCluster, ttl: TimeInterval) async throws -> String {
            let name = "ec2-conformance-" + UUID().uuidString.lowercased()
            var token = ProvisionToken(name: name, roles: [.node], joinMethod: EC2JoinMethod.methodName,
                                       expires: cluster.clock.now.addingTimeInterval(ttl))
            token.spec.setAWSAllowRules([AWSAllowRule(awsAccount: sample.accountId, awsRegions: [sample.region])])
            _ = try await cluster.server.tokens.create(token, upsert: false)
            return name
        }
    }

    func testEC2MethodConformsToTheJoinMethodContract() async throws {
        let sample = GenuineIdentityDocumentSample.instance1
        let imds = try await FakeIMDSServer(rsa2048Document: try sample.encoded())
        let report = await JoinMethodConformanceKit.run(EC2Subject(sample: sample, imdsEndpoint: imds.endpoint))
        await imds.stop()
        assertConforms(report)
        XCTAssertEqual(report.notApplicableChecks, [.replayedSolution, .cancelledStream, .concurrentUse], report.description)
        print(report)
    }
}
