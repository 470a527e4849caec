import Foundation
import JoinCore
import JoinMethodConformance
import TestSupport
import TPMJoin
import XCTest

/// The `tpm` method against the join-method conformance kit (DESIGN.md §4.4), with a software
/// TPM: every join has a challenge (the credential to activate), so a replayed answer — one
/// computed without the TPM, from an earlier activation — truncated answers and cancelled
/// streams are all exercised.
final class TPMConformanceTests: XCTestCase {
    struct TPMSubject: ConformanceSubject {
        let tpm: SoftwareTPM
        let ca: SoftwareTPM.LocalCA

        var methodName: String { TPMJoinMethod.methodName }
        /// The built-in plugin, its prover pointed at the software TPM.
        var registry: JoinMethodRegistry {
            let tcti = tpm.tcti
            return JoinMethodRegistry(plugins: [JoinMethodPlugin(
                name: JoinMethodPlugin.tpm.name, makeMethod: JoinMethodPlugin.tpm.makeMethod,
                makeProver: { context in
                    var context = context
                    context.environment["TPM2TOOLS_TCTI"] = tcti
                    return try JoinMethodPlugin.tpm.makeProver(context)
                })])
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
            .notApplicable("tpm tokens are multi-use until they expire: the TPMs they allow join as often as they prove themselves")
        }

        private func createToken(in cluster: TestCluster, expires: Date?) async throws -> String {
            let name = "tpm-conformance-" + UUID().uuidString.lowercased().prefix(8)
            var token = ProvisionToken(name: name, roles: [.node], joinMethod: "tpm")
            token.spec.methodSections["tpm"] = .object([
                "ekcert_allowed_cas": .array([.string(try String(contentsOf: ca.issuerCertificate, encoding: .utf8))]),
                "allow": .array([.object(["ek_public_hash": .string(try TPMJoinTests.publicKeyHash(ofCertificateIn: tpm))])]),
            ])
            token.metadata.expires = expires
            _ = try await cluster.server.tokens.create(token, upsert: false)
            return name
        }
    }

    func testTPMConforms() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tpm-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = try SoftwareTPM.LocalCA(directory: directory.appendingPathComponent("ca"))
        let tpm = try await SoftwareTPM.start(in: directory, name: "tpm", ca: ca)
        let report = await JoinMethodConformanceKit.run(TPMSubject(tpm: tpm, ca: ca))
        await tpm.stop()
        assertConforms(report)
        XCTAssertEqual(report.notApplicableChecks, [.concurrentUse], report.description)
    }
}
