import Agent
import Foundation
import JoinCore
import Logging
import Server
import TestSupport
import TPMJoin
import Transport
import XCTest
import Yams

/// The `tpm` method with real software TPMs (swtpm, EK certificates from a local CA made by
/// swtpm_setup) and the real TCG software stack on the joining side: a node joins through an
/// allowed CA and through an EK hash rule; a TPM whose EK is not allowed, and one whose
/// certificate comes from another CA, are refused with an audit event.
final class TPMJoinTests: XCTestCase {
    private var directory: URL!
    private var cluster: TestCluster!
    private var address: AuthAddress!
    private var tpms: [SoftwareTPM] = []

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tpm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        cluster = try await TestCluster(registry: JoinMethodRegistry(plugins: [.tpm]))
        address = try await cluster.start()
    }

    override func tearDown() async throws {
        for tpm in tpms { await tpm.stop() }
        await cluster?.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private func tpm(_ name: String, ca: SoftwareTPM.LocalCA, endorsement: SoftwareTPM.Endorsement = .certified) async throws -> SoftwareTPM {
        let started = try await SoftwareTPM.start(in: directory, name: name, ca: ca, endorsement: endorsement)
        tpms.append(started)
        return started
    }

    private func createToken(_ name: String, allowedCAs: [URL] = [], allow: [[String: String]]) async throws {
        var spec: [String: JSONValue] = ["allow": .array(allow.map { .object($0.mapValues(JSONValue.string)) })]
        if !allowedCAs.isEmpty {
            spec["ekcert_allowed_cas"] = .array(try allowedCAs.map { .string(try String(contentsOf: $0, encoding: .utf8)) })
        }
        var token = ProvisionToken(name: name, roles: [.node], joinMethod: "tpm")
        token.spec.methodSections["tpm"] = .object(spec)
        _ = try await cluster.server.tokens.create(token, upsert: false)
    }

    private func join(_ tpm: SoftwareTPM, token: String) async throws -> Identity {
        let client = JoinClient(registry: cluster.registry, clock: cluster.clock, logger: Logger(label: "tpm-test"),
                                proverContext: ProverContext(clock: cluster.clock, environment: ["TPM2TOOLS_TCTI": tpm.tcti]))
        return try await client.join(JoinParameters(authServer: address, tokenName: token, method: "tpm", role: .node,
                                                    nodeName: "tpm-node", caPins: cluster.pins()))
    }

    private func lastEvent() async throws -> AuditEvent {
        let events = try await cluster.backend.auditEvents(limit: 1000)
        return try XCTUnwrap(events.last)
    }

    func testANodeJoinsThroughAnAllowedCAOrAnEKHashAndOthersAreRefused() async throws {
        let ca = try SoftwareTPM.LocalCA(directory: directory.appendingPathComponent("ca"))
        let first = try await tpm("first", ca: ca)
        let second = try await tpm("second", ca: ca)

        // An allowed CA and a rule on the certificate's serial: the serial is learnt from a
        // first join through a hash-less rule set, then pinned.
        try await createToken("tpm-ca", allowedCAs: [ca.issuerCertificate], allow: [["ek_certificate_serial": "00"]])
        let refusedBySerial = await refusal { _ = try await self.join(first, token: "tpm-ca") }
        XCTAssertEqual(refusedBySerial?.message, "validated tpm attributes did not match any allow rules")
        var event = try await lastEvent()
        XCTAssertFalse(event.success)
        XCTAssertEqual(event.attributes["ek_cert_verified"], "true", "the certificate chained to the allowed CA")
        let serial = try XCTUnwrap(event.attributes["ek_cert_serial"])
        let hash = try XCTUnwrap(event.attributes["ek_pub_hash"])
        XCTAssertEqual(hash.count, 64)
        XCTAssertEqual(hash, try Self.publicKeyHash(ofCertificateIn: first), "the hash is SHA-256 of the EK's PKIX DER, as openssl computes it")

        try await createToken("tpm-ca-serial", allowedCAs: [ca.issuerCertificate],
                              allow: [["description": "first", "ek_certificate_serial": serial]])
        let node = try await join(first, token: "tpm-ca-serial")
        XCTAssertNotNil(UUID(uuidString: node.hostID))
        event = try await lastEvent()
        XCTAssertTrue(event.success)
        XCTAssertEqual(event.attributes["ek_cert_serial"], serial)

        // An EK hash rule, no CA: the first TPM joins, the second (another EK) is refused.
        try await createToken("tpm-hash", allow: [["description": "first", "ek_public_hash": hash]])
        _ = try await join(first, token: "tpm-hash")
        let hashJoin = try await lastEvent()
        XCTAssertEqual(hashJoin.attributes["ek_cert_verified"], "false")
        let otherEK = await refusal { _ = try await self.join(second, token: "tpm-hash") }
        XCTAssertEqual(otherEK?.message, "validated tpm attributes did not match any allow rules")
        let otherEKEvent = try await lastEvent()
        XCTAssertFalse(otherEKEvent.success)

        // A TPM whose certificate another CA issued: refused before any challenge.
        let otherCA = try SoftwareTPM.LocalCA(directory: directory.appendingPathComponent("other-ca"))
        let foreign = try await tpm("foreign", ca: otherCA)
        let untrusted = await refusal { _ = try await self.join(foreign, token: "tpm-ca-serial") }
        XCTAssertTrue(untrusted?.message.hasPrefix("validating TPM: verifying EK cert:") == true, untrusted?.message ?? "")
        let untrustedEvent = try await lastEvent()
        XCTAssertFalse(untrustedEvent.success)
    }

    func testATPMWithoutAnEKCertificateJoinsByItsEKHashAndNotThroughACA() async throws {
        let ca = try SoftwareTPM.LocalCA(directory: directory.appendingPathComponent("ca"))
        // A certified TPM first: the local CA makes its issuing CA when it first certifies one.
        _ = try await tpm("certified", ca: ca)
        let bare = try await tpm("bare", ca: ca, endorsement: .keyOnly)
        try await createToken("tpm-probe", allow: [["ek_public_hash": String(repeating: "0", count: 64)]])
        _ = await refusal { _ = try await self.join(bare, token: "tpm-probe") }
        let event = try await lastEvent()
        XCTAssertNil(event.attributes["ek_cert_serial"], "no certificate, no serial")
        let hash = try XCTUnwrap(event.attributes["ek_pub_hash"])

        try await createToken("tpm-bare", allow: [["ek_public_hash": hash]])
        _ = try await join(bare, token: "tpm-bare")
        try await createToken("tpm-bare-ca", allowedCAs: [ca.issuerCertificate], allow: [["ek_public_hash": hash]])
        let needsCertificate = await refusal { _ = try await self.join(bare, token: "tpm-bare-ca") }
        XCTAssertEqual(needsCertificate?.message, "validating TPM: tpm did not provide an EKCert to validate against allowed CAs")
    }

    private func refusal(_ body: () async throws -> Void) async -> JoinError? {
        do {
            try await body()
            XCTFail("the join succeeded")
            return nil
        } catch let error as JoinError {
            return error
        } catch {
            XCTFail("expected a JoinError, got \(error)")
            return nil
        }
    }

    /// SHA-256 of the EK certificate's public key in PKIX DER, computed with openssl from the
    /// certificate swtpm_setup wrote (read back from the TPM's NV with tpm2-tss would be circular).
    static func publicKeyHash(ofCertificateIn tpm: SoftwareTPM) throws -> String {
        let result = try Command.shell("""
            set -e
            cert=\(tpm.stateDirectory.path)/ek-certs/ek-rsa2048.crt
            openssl x509 -inform DER -in "$cert" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1
            """)
        guard result.status == 0 else { throw TestFailure("openssl: \(result.combined)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
