import Crypto
import Foundation
import JoinCore
import X509
import X509PopJoin
import XCTest

/// The method alone, on a frozen clock, with a CA made in the test: what it admits, and each
/// refusal with the message an operator acts on.
final class X509PopVerificationTests: XCTestCase {
    private let now = MethodHarness.now

    private func assertRefused(_ body: () async throws -> Attestation, _ expected: JoinError,
                               file: StaticString = #filePath, line: UInt = #line) async {
        do {
            let attestation = try await body()
            XCTFail("joined (host ID \(attestation.hostID ?? "none"))", file: file, line: line)
        } catch {
            XCTAssertEqual(error as? JoinError, expected, file: file, line: line)
        }
    }

    private func subject(_ certificate: Certificate) -> String {
        "\"\(UntrustedString.sanitizeVerified(String(describing: certificate.subject)))\""
    }

    // MARK: Admitted

    func testHostWithACertificateFromTheCAIsAdmittedWithItsFacts() async throws {
        let harness = try MethodHarness()
        let host = try TestHost.issued(by: harness.root, now: now)
        let exchange = ProverExchange(prover: try MethodHarness.prover(for: host))
        let facts = AttemptFacts()
        let attestation = try await harness.attest(host, exchange: exchange, facts: facts)

        let der = host.chain[0].derBytes
        XCTAssertEqual(facts.all, [
            "x509pop.subject_common_name": "web-1.example.com",
            "x509pop.serial": host.chain[0].serialNumber.bytes.map { String(format: "%02x", $0) }.joined(),
            "x509pop.fingerprint_sha256": SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined(),
        ])
        XCTAssertEqual(attestation.tokenChange, .none)
        XCTAssertNil(attestation.hostID)
        XCTAssertEqual(exchange.challenges.count, 1)
    }

    func testChallengeNamesTheClusterAndTheLeafFingerprint() async throws {
        let harness = try MethodHarness()
        let host = try TestHost.issued(by: harness.root, now: now)
        let exchange = ProverExchange(prover: try MethodHarness.prover(for: host))
        _ = try await harness.attest(host, exchange: exchange)
        let challenge = try X509PopChallenge(decoding: try XCTUnwrap(exchange.challenges.first))
        XCTAssertEqual(challenge.clusterName, MethodHarness.clusterName)
        XCTAssertEqual(challenge.fingerprint, Data(SHA256.hash(data: host.chain[0].derBytes)))
        XCTAssertEqual(challenge.nonce.count, 32)
    }

    func testChainThroughAnIntermediateIsAdmitted() async throws {
        let harness = try MethodHarness()
        let host = try TestHost.issued(by: harness.root, intermediates: [try harness.root.intermediate(now: now)], now: now)
        let facts = AttemptFacts()
        _ = try await harness.attest(host, facts: facts)
        XCTAssertEqual(facts.all["x509pop.subject_common_name"], "web-1.example.com")
    }

    func testLeafWithoutExtendedKeyUsageIsAdmitted() async throws {
        let harness = try MethodHarness()
        var options = TestCA.LeafOptions()
        options.extendedKeyUsage = nil
        _ = try await harness.attest(try TestHost.issued(by: harness.root, now: now, options))
    }

    func testLeafWithCriticalClientAuthIsAdmitted() async throws {
        let harness = try MethodHarness()
        var options = TestCA.LeafOptions()
        options.extendedKeyUsage = [.serverAuth, .clientAuth]
        options.extendedKeyUsageIsCritical = true
        _ = try await harness.attest(try TestHost.issued(by: harness.root, now: now, options))
    }

    func testCommonNameMatchingAnAllowGlobIsAdmitted() async throws {
        let harness = try MethodHarness()
        let token = MethodHarness.token(.object(["allow": .array([.object(["common_name": .string("db-*")]),
                                                                  .object(["common_name": .string("web-*.example.com")])])]))
        _ = try await harness.attest(try TestHost.issued(by: harness.root, now: now), token: token)
    }

    func testFactsAreRecordedForTheAuditEvenWhenTheJoinIsRefused() async throws {
        let harness = try MethodHarness()
        let host = try TestHost.issued(by: harness.root, now: now)
        let facts = AttemptFacts()
        let payload = try X509PopPayload(derEncodings: host.chain.map(\.derBytes)).encoded
        let token = MethodHarness.token(.object(["allow": .array([.object(["common_name": .string("db-*")])])]))
        _ = try? await harness.method.attest(MethodHarness.attempt(payload, token: token, facts: facts),
                                             over: ProverExchange(prover: try MethodHarness.prover(for: host)))
        XCTAssertEqual(facts.all["x509pop.subject_common_name"], "web-1.example.com")
        XCTAssertNotNil(facts.all["x509pop.fingerprint_sha256"])
    }

    // MARK: The certificate's dates

    func testExpiredCertificateIsRefusedWithItsExpiry() async throws {
        let harness = try MethodHarness()
        var options = TestCA.LeafOptions()
        options.notBefore = now.addingTimeInterval(-7200)
        options.notAfter = now.addingTimeInterval(-60)
        let host = try TestHost.issued(by: harness.root, now: now, options)
        await assertRefused({ try await harness.attest(host) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) expired at 2026-01-02T15:03:05Z (checked at 2026-01-02T15:04:05Z); "
                + "issue a new certificate from the CA and point certificate_path at it"))
    }

    func testCertificateIsJudgedAtTheAttemptsTimeNotTheMachinesClock() async throws {
        let harness = try MethodHarness()
        let host = try TestHost.issued(by: harness.root, now: now)
        let later = now.addingTimeInterval(31 * 86_400)
        await assertRefused({ try await harness.attest(host, at: later) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) expired at \(RFC3339.format(host.chain[0].notValidAfter)) "
                + "(checked at \(RFC3339.format(later))); issue a new certificate from the CA and point certificate_path at it"))
    }

    func testCertificateNotYetValidIsRefused() async throws {
        let harness = try MethodHarness()
        var options = TestCA.LeafOptions()
        options.notBefore = now.addingTimeInterval(3600)
        let host = try TestHost.issued(by: harness.root, now: now, options)
        await assertRefused({ try await harness.attest(host) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) is not valid until 2026-01-02T16:04:05Z (checked at 2026-01-02T15:04:05Z); "
                + "check the certificate's dates and both machines' clocks"))
    }

    func testExpiredIntermediateIsNamed() async throws {
        let harness = try MethodHarness()
        let intermediate = try harness.root.intermediate(now: now, notBefore: now.addingTimeInterval(-86_400), notAfter: now.addingTimeInterval(-1))
        let host = try TestHost.issued(by: harness.root, intermediates: [intermediate], now: now)
        await assertRefused({ try await harness.attest(host) }, .accessDenied(
            "x509pop: the CA certificate \(subject(intermediate.certificate)) in the host's chain is not valid at 2026-01-02T15:04:05Z "
                + "(valid from 2026-01-01T15:04:05Z to 2026-01-02T15:04:04Z); renew it, then update ca_bundle_path or the chain in certificate_path"))
    }

    // MARK: The issuer

    func testCertificateFromAnotherCAIsRefused() async throws {
        let harness = try MethodHarness()
        let other = try TestCA.root("Someone Else's CA", now: now)
        let host = try TestHost.issued(by: other, now: now)
        await assertRefused({ try await harness.attest(host) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) (issued by \(subject(other.certificate))) is not issued by a CA in the "
                + "Auth server's ca_bundle_path; issue it from that CA, include any intermediate CA certificates after the leaf in "
                + "certificate_path, or add its CA to the bundle"))
    }

    func testChainMissingItsIntermediateIsRefusedAsNotIssuedByTheCA() async throws {
        let harness = try MethodHarness()
        let intermediate = try harness.root.intermediate(now: now)
        let host = try TestHost.issued(by: harness.root, intermediates: [intermediate], now: now)
        let leafOnly = TestHost(key: host.key, chain: [host.chain[0]])
        await assertRefused({ try await harness.attest(leafOnly) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) (issued by \(subject(intermediate.certificate))) is not issued by a CA "
                + "in the Auth server's ca_bundle_path; issue it from that CA, include any intermediate CA certificates after the leaf in "
                + "certificate_path, or add its CA to the bundle"))
    }

    func testSelfSignedCertificateClaimingTheCAsNameIsRefused() async throws {
        let harness = try MethodHarness()
        let impostor = try TestCA.root("x509pop Test Root CA", now: now)  // same name, another key
        let host = try TestHost.issued(by: impostor, now: now)
        await assertRefused({ try await harness.attest(host) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) (issued by \(subject(impostor.certificate))) is not issued by a CA in the "
                + "Auth server's ca_bundle_path; issue it from that CA, include any intermediate CA certificates after the leaf in "
                + "certificate_path, or add its CA to the bundle"))
    }

    // MARK: The leaf's own rules

    func testLeafWithoutDigitalSignatureIsRefused() async throws {
        let harness = try MethodHarness()
        var options = TestCA.LeafOptions()
        options.keyUsage = KeyUsage(keyEncipherment: true)
        let host = try TestHost.issued(by: harness.root, now: now, options)
        await assertRefused({ try await harness.attest(host) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) does not allow digital signatures (keyUsage digitalSignature), which "
                + "x509pop needs to prove possession of its key; reissue it with keyUsage = digitalSignature"))
    }

    func testLeafWithoutKeyUsageIsRefused() async throws {
        let harness = try MethodHarness()
        var options = TestCA.LeafOptions()
        options.keyUsage = nil
        let host = try TestHost.issued(by: harness.root, now: now, options)
        await assertRefused({ try await harness.attest(host) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) does not allow digital signatures (keyUsage digitalSignature), which "
                + "x509pop needs to prove possession of its key; reissue it with keyUsage = digitalSignature"))
    }

    func testLeafForServersOnlyIsRefused() async throws {
        let harness = try MethodHarness()
        var options = TestCA.LeafOptions()
        options.extendedKeyUsage = [.serverAuth]
        let host = try TestHost.issued(by: harness.root, now: now, options)
        await assertRefused({ try await harness.attest(host) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) has an extended key usage without clientAuth; reissue it with "
                + "extendedKeyUsage = clientAuth (or without an extended key usage)"))
    }

    func testCACertificateAsLeafIsRefused() async throws {
        let harness = try MethodHarness()
        var options = TestCA.LeafOptions()
        options.isCertificateAuthority = true
        let host = try TestHost.issued(by: harness.root, now: now, options)
        await assertRefused({ try await harness.attest(host) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) is a CA certificate (basicConstraints CA:TRUE); x509pop needs a host "
                + "(end-entity) certificate issued by the CA"))
    }

    func testLeafWithAnotherKeyTypeIsRefused() async throws {
        let harness = try MethodHarness()
        let leaf = try harness.root.leaf(for: .init(P384.Signing.PrivateKey().publicKey), now: now)
        let payload = try X509PopPayload(derEncodings: [leaf.derBytes]).encoded
        await assertRefused({
            try await harness.method.attest(MethodHarness.attempt(payload), over: ProverExchange { _ in Data() })
        }, .accessDenied("x509pop: the host certificate \(subject(leaf)) has a P384.PublicKey key; x509pop needs a P-256 ECDSA key"))
    }

    // MARK: The token's rules

    func testCommonNameNotAllowedIsRefused() async throws {
        let harness = try MethodHarness()
        let token = MethodHarness.token(.object(["allow": .array([.object(["common_name": .string("db-*")])])]))
        await assertRefused({ try await harness.attest(try TestHost.issued(by: harness.root, now: self.now), token: token) }, .accessDenied(
            "x509pop: the host certificate's common name \"web-1.example.com\" is not allowed by spec.x509pop.allow of token x509pop-hosts; "
                + "ask the cluster's operator to add a rule, or use a certificate with an allowed common name"))
    }

    func testCertificateWithoutCommonNameIsRefusedWhenTheTokenListsNames() async throws {
        let harness = try MethodHarness()
        var options = TestCA.LeafOptions()
        options.commonNames = []
        let host = try TestHost.issued(by: harness.root, now: now, options)
        let token = MethodHarness.token(.object(["allow": .array([.object(["common_name": .string("*")])])]))
        await assertRefused({ try await harness.attest(host, token: token) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) has no common name, and token x509pop-hosts allows only the common "
                + "names in spec.x509pop.allow; issue the certificate with an allowed common name"))
    }

    func testCertificateWithTwoCommonNamesIsRefused() async throws {
        let harness = try MethodHarness()
        var options = TestCA.LeafOptions()
        options.commonNames = ["db-1", "web-1.example.com"]
        let host = try TestHost.issued(by: harness.root, now: now, options)
        await assertRefused({ try await harness.attest(host) }, .accessDenied(
            "x509pop: the host certificate \(subject(host.chain[0])) has more than one common name; issue it with exactly one so "
                + "spec.x509pop.allow can match it"))
    }

    // MARK: The proof of possession

    func testSignatureByAnotherKeyIsRefused() async throws {
        let harness = try MethodHarness()
        let host = try TestHost.issued(by: harness.root, now: now)
        let thief = P256.Signing.PrivateKey()
        let exchange = ProverExchange { challenge in
            try thief.signature(for: try X509PopChallenge(decoding: challenge).signedMessage).derRepresentation
        }
        let fingerprint = SHA256.hash(data: host.chain[0].derBytes).map { String(format: "%02x", $0) }.joined()
        await assertRefused({ try await harness.attest(host, exchange: exchange) }, .accessDenied(
            "x509pop: the challenge signature does not verify with the key of the host certificate (SHA-256 \(fingerprint)); "
                + "private_key_path must hold that certificate's key"))
    }

    func testSignatureWithoutTheDomainLabelIsRefused() async throws {
        let harness = try MethodHarness()
        let host = try TestHost.issued(by: harness.root, now: now)
        let exchange = ProverExchange { challenge in try host.key.signature(for: challenge).derRepresentation }
        await assertRefused({ try await harness.attest(host, exchange: exchange) },
                            X509PopErrors.signatureDoesNotVerify(fingerprint: SHA256.hash(data: host.chain[0].derBytes)
                                .map { String(format: "%02x", $0) }.joined()))
    }

    func testReplayedSolutionIsRefused() async throws {
        let harness = try MethodHarness()
        let host = try TestHost.issued(by: harness.root, now: now)
        let honest = ProverExchange(prover: try MethodHarness.prover(for: host))
        _ = try await harness.attest(host, exchange: honest)
        let captured = try XCTUnwrap(honest.solutions.first)
        await assertRefused({ try await harness.attest(host, exchange: ProverExchange { _ in captured }) },
                            X509PopErrors.signatureDoesNotVerify(fingerprint: SHA256.hash(data: host.chain[0].derBytes)
                                .map { String(format: "%02x", $0) }.joined()))
    }

    func testAnswerThatIsNotASignatureIsRefused() async throws {
        let harness = try MethodHarness()
        let host = try TestHost.issued(by: harness.root, now: now)
        await assertRefused({ try await harness.attest(host, exchange: ProverExchange { _ in Data("yes".utf8) }) }, .accessDenied(
            "x509pop: malformed challenge answer: expected a DER-encoded ECDSA P-256 signature"))
    }

    func testHostRefusesToSignForAnotherCertificate() async throws {
        let host = try TestHost.issued(by: try TestCA.root(now: now), now: now)
        let prover = try MethodHarness.prover(for: host)
        let foreign = X509PopChallenge.fresh(fingerprint: Data(repeating: 1, count: 32), clusterName: "evil.example.com")
        do {
            _ = try await prover.answer(foreign.encoded, for: MethodHarness.request)
            XCTFail("signed a challenge for another certificate")
        } catch {
            let own = SHA256.hash(data: host.chain[0].derBytes).map { String(format: "%02x", $0) }.joined()
            XCTAssertEqual(error as? JoinError, .accessDenied(
                "x509pop: the Auth server asked for a signature for certificate SHA-256 \(String(repeating: "01", count: 32)), "
                    + "but this host sent \(own); refusing to sign"))
        }
    }

    func testMalformedPayloadIsRefusedBeforeAnyChallenge() async throws {
        let harness = try MethodHarness()
        let exchange = ProverExchange { _ in XCTFail("challenged"); return Data() }
        do {
            _ = try await harness.method.attest(MethodHarness.attempt(Data([1, 1, 0])), over: exchange)
            XCTFail("joined")
        } catch {
            XCTAssertEqual(error as? JoinError, X509PopErrors.malformedPayload("certificate 1 of 1: its length is cut short"))
        }
    }
}
