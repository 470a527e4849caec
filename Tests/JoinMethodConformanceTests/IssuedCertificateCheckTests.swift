import Foundation
import JoinCore
@testable import JoinMethodConformance
import XCTest

/// The valid-join check's certificate verification, shown failing: certificates checked against
/// another cluster's CA, or for keys the client did not send, are reported with what is wrong.
final class IssuedCertificateCheckTests: XCTestCase {
    func testCertificatesFromAnotherClusterAreReportedAsNotChainingToItsCA() async throws {
        let issuer = try await ConformanceLab.make(for: ProbeSubject())
        let stranger = try await ConformanceLab.make(for: ProbeSubject())
        let outcome = await issuer.run(ConformanceAttempt(try await ProbeSubject().prepareValidJoin(in: issuer.cluster)))
        let result = try XCTUnwrap(outcome.result, outcome.summary)

        XCTAssertEqual(IssuedCertificateCheck.problems(result, role: .node, keys: outcome.keys, authorities: issuer.cluster.server.authorities,
                                                       at: issuer.clock.now, scratch: issuer.cluster.directory), [])
        let problems = IssuedCertificateCheck.problems(result, role: .node, keys: outcome.keys,
                                                       authorities: stranger.cluster.server.authorities,
                                                       at: stranger.clock.now, scratch: stranger.cluster.directory)
        let forOtherKeys = IssuedCertificateCheck.problems(result, role: .node, keys: ConformanceClientKeys(),
                                                           authorities: issuer.cluster.server.authorities,
                                                           at: issuer.clock.now, scratch: issuer.cluster.directory)
        await issuer.stop()
        await stranger.stop()

        XCTAssertEqual(problems.count, 3, "\(problems)")
        XCTAssertTrue(problems[0].hasPrefix("openssl verify does not chain the TLS certificate to the cluster's host CA: "), problems[0])
        XCTAssertEqual(problems[1], "the SSH certificate is not signed by the cluster's host CA")
        XCTAssertTrue(problems[2].hasPrefix("ssh-keygen -L names a signing CA that is not the cluster's host CA: Signing CA: ED25519 SHA256:"), problems[2])
        XCTAssertEqual(forOtherKeys, ["the TLS certificate certifies another key than the client's",
                                      "the SSH certificate certifies another key than the client's"])
    }
}
