@testable import Transport
import Foundation
import JoinCore
import NIOSSL
import Server
import XCTest

/// The CA-pin check done inside the TLS handshake: the server's CA must match a pin and must
/// have signed the server's certificate; anything else is refused with the reason kept.
final class PinnedHandshakeTests: XCTestCase {
    private let now = Date()

    private func chain(leafFrom issuer: CertificateAuthority, presenting authorities: [CertificateAuthority]) throws -> [NIOSSLCertificate] {
        let leaf = try LocalTLSIdentity.authServer(hostCA: issuer, hostID: UUID().uuidString.lowercased(), now: now)
        return try [NIOSSLCertificate(bytes: leaf.certificateDER, format: .der)]
            + authorities.map { try NIOSSLCertificate(bytes: try $0.tlsCertificateDER, format: .der) }
    }

    private func handshake(pinning authority: CertificateAuthority) throws -> PinnedHandshake {
        PinnedHandshake(pins: [try authority.caPin], clock: ManualClock(now))
    }

    func testTheServerSignedByThePinnedCAIsAccepted() throws {
        let pinned = try CertificateAuthority.generate(kind: .host, clusterName: "c", now: now)
        let check = try handshake(pinning: pinned)
        guard case .certificateVerified = check.verify(try chain(leafFrom: pinned, presenting: [pinned])) else {
            return XCTFail("a server certificate from the pinned CA must verify: \(String(describing: check.failure))")
        }
        XCTAssertNil(check.failure)
    }

    func testAPinnedCAPresentedNextToAForeignServerCertificateIsRefused() throws {
        let pinned = try CertificateAuthority.generate(kind: .host, clusterName: "c", now: now)
        let impostor = try CertificateAuthority.generate(kind: .host, clusterName: "c", now: now)
        let check = try handshake(pinning: pinned)
        XCTAssertEqual(check.verify(try chain(leafFrom: impostor, presenting: [pinned])), .failed)
        XCTAssertTrue(check.failure?.message.contains("was not issued by this cluster's host CA") ?? false, "\(String(describing: check.failure))")
    }

    func testAnUnpinnedCAIsRefusedWithTheTctlStatusHint() throws {
        let pinned = try CertificateAuthority.generate(kind: .host, clusterName: "c", now: now)
        let other = try CertificateAuthority.generate(kind: .host, clusterName: "c", now: now)
        let check = try handshake(pinning: pinned)
        XCTAssertEqual(check.verify(try chain(leafFrom: other, presenting: [other])), .failed)
        XCTAssertTrue(check.failure?.message.contains("does not match any provided pin") ?? false)
    }

    func testAServerThatSendsNoCAIsRefused() throws {
        let pinned = try CertificateAuthority.generate(kind: .host, clusterName: "c", now: now)
        let check = try handshake(pinning: pinned)
        XCTAssertEqual(check.verify(try chain(leafFrom: pinned, presenting: [])), .failed)
        XCTAssertTrue(check.failure?.message.contains("did not present its CA certificate") ?? false)
    }
}
