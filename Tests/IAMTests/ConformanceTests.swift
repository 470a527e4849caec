import AWSKit
import Foundation
import IAMJoin
import JoinCore
import JoinMethodConformance
import TestSupport
import XCTest

/// The `iam` method against the join-method conformance kit (DESIGN.md §4.4), with STS played
/// by a real `moto_server` that checks SigV4 signatures: every join signs a GetCallerIdentity
/// request carrying the server's challenge with an IAM user's keys.
final class ConformanceTests: XCTestCase {
    struct IAMSubject: ConformanceSubject {
        static let account = "123456789012"

        let sts: URL
        let keys: AWSCredentials

        let methodName = IAMJoinMethod.methodName
        var registry: JoinMethodRegistry {
            let sts = sts, keys = keys
            return JoinMethodRegistry(plugins: [JoinMethodPlugin(
                name: IAMJoinMethod.methodName, authServiceKeys: ["aws"],
                makeMethod: { try IAMJoinMethod(context: $0, environment: ["AWS_ENDPOINT_URL_STS": sts.absoluteString]) },
                makeProver: { context in
                    try IAMProver(context: context, environment: [
                        "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                        "AWS_ACCESS_KEY_ID": keys.accessKeyID, "AWS_SECRET_ACCESS_KEY": keys.secretAccessKey,
                        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent",
                    ])
                })])
        }
        let traits = ConformanceTraits(challenges: .everyJoin, refusedRole: .proxy)

        func prepareValidJoin(in cluster: TestCluster) async throws -> ConformanceJoin {
            ConformanceJoin(tokenName: try await createToken(in: cluster, ttl: 3600), role: .node)
        }

        func prepareExpiredJoin(in cluster: TestCluster, clock: ManualClock) async throws -> ConformancePreparation<ConformanceJoin> {
            let name = try await createToken(in: cluster, ttl: 60)
            clock.advance(by: 61)
            return .prepared(ConformanceJoin(tokenName: name, role: .node))
        }

        func prepareSingleUseRace(in cluster: TestCluster, clients: Int) async throws -> ConformancePreparation<[ConformanceJoin]> {
            .notApplicable("iam tokens are multi-use until they expire; every join must answer a fresh challenge of its own")
        }

        private func createToken(in cluster: TestCluster, ttl: TimeInterval) async throws -> String {
            let name = "iam-conformance-" + UUID().uuidString.lowercased()
            var token = ProvisionToken(name: name, roles: [.node], joinMethod: IAMJoinMethod.methodName,
                                       expires: cluster.clock.now.addingTimeInterval(ttl))
            token.spec.setAWSAllowRules([AWSAllowRule(awsAccount: Self.account, awsARN: "arn:aws:iam::\(Self.account):user/conformance-*")])
            _ = try await cluster.server.tokens.create(token, upsert: false)
            return name
        }
    }

    func testIAMMethodConformsToTheJoinMethodContract() async throws {
        let moto = try await MotoServer(checkSignaturesAfter: MotoServer.iamUserBootstrapActionCount)
        do {
            let created = try moto.createIAMUser(named: "conformance-joiner")
            let keys = AWSCredentials(accessKeyID: created.accessKeyID, secretAccessKey: created.secretAccessKey)
            let report = await JoinMethodConformanceKit.run(IAMSubject(sts: moto.url, keys: keys))
            await moto.stop()
            assertConforms(report)
            XCTAssertEqual(report.notApplicableChecks, [.concurrentUse], report.description)
            print(report)
        } catch {
            await moto.stop()
            throw error
        }
    }
}
