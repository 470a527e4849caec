import AzureJoin
import Foundation
import JoinCore
import JoinMethodConformance
import TestSupport
import Yams
import XCTest

/// The `azure` method against the join-method conformance kit (DESIGN.md §4.4), with the test
/// issuer as the VM's IMDS, Entra ID and Resource Manager: every join has a challenge (the
/// attested data's nonce), so replayed, truncated and cancelled answers are all exercised.
final class AzureConformanceTests: XCTestCase {
    struct AzureSubject: ConformanceSubject {
        let issuer: OIDCTestIssuer
        let environment: [String: String]

        var methodName: String { AzureJoinMethod.methodName }
        var registry: JoinMethodRegistry { OIDCCluster.registry([.azure], environment: environment) }
        var authService: [String: JSONValue] {
            ["azure": .object(["attestation_certificates_dir": .string(issuer.azureTrustDirectory.path)])]
        }
        var traits: ConformanceTraits { ConformanceTraits(challenges: .everyJoin, refusedRole: .proxy) }

        func prepareValidJoin(in cluster: TestCluster) async throws -> ConformanceJoin {
            ConformanceJoin(tokenName: try await createToken(in: cluster, expires: nil), role: .node)
        }

        func prepareExpiredJoin(in cluster: TestCluster, clock: ManualClock) async throws -> ConformancePreparation<ConformanceJoin> {
            let name = try await createToken(in: cluster, expires: clock.now.addingTimeInterval(60))
            clock.advance(by: 61)
            return .prepared(ConformanceJoin(tokenName: name, role: .node))
        }

        func prepareSingleUseRace(in cluster: TestCluster, clients: Int) async throws -> ConformancePreparation<[ConformanceJoin]> {
            .notApplicable("azure tokens are multi-use until they expire: every VM of the allowed subscriptions joins with its own attested data")
        }

        private func createToken(in cluster: TestCluster, expires: Date?) async throws -> String {
            let name = "azure-conformance-" + UUID().uuidString.lowercased().prefix(8)
            let expiry = expires.map { "\n  expires: \"\(RFC3339.format($0))\"" } ?? ""
            let token = try YAMLDecoder().decode(ProvisionToken.self, from: """
                kind: token
                version: v2
                metadata:
                  name: \(name)\(expiry)
                spec:
                  roles: [Node]
                  join_method: azure
                  azure:
                    allow:
                      - subscription: conformance-subscription
                """)
            _ = try await cluster.server.tokens.create(token, upsert: false)
            return name
        }
    }

    func testAzureConforms() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("azure-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let issuer = try await OIDCTestIssuer.start(in: directory)
        do {
            try await issuer.configureAzureVM(OIDCTestIssuer.AzureVM(
                vmID: "5e5e5e5e-1234-4321-abcd-000000000001", subscription: "conformance-subscription",
                resourceGroup: "rg-conformance", name: "conformance-vm", tenant: "3f3f3f3f-0000-4000-8000-000000000003"))
            let environment = OIDCCluster.environment(issuer: issuer).merging([
                "JOINERY_OIDC_ISSUER_URL_AZURE": issuer.azureIssuerBase,
                "JOINERY_AZURE_RESOURCE_MANAGER_URL": issuer.azureResourceManagerURL,
                "IMDS_ENDPOINT": issuer.azureIMDSEndpoint,
            ]) { $1 }
            let report = await JoinMethodConformanceKit.run(AzureSubject(issuer: issuer, environment: environment))
            await issuer.stop()
            try? FileManager.default.removeItem(at: directory)
            assertConforms(report)
            XCTAssertEqual(report.notApplicableChecks, [.concurrentUse], report.description)
        } catch {
            await issuer.stop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }
}
