import Agent
import Crypto
import Foundation
import JoinCore
import Server
import X509
import XCTest

/// tbot's output directories follow Teleport's `symlinks: secure`: a symbolic link as the
/// destination, anywhere in its path, or in place of an output file is refused, as is a
/// directory (or file) owned by another user — with an error naming the path and what to do,
/// and nothing written anywhere.
final class TbotOutputDirectorySecurityTests: XCTestCase {
    private var root: URL!
    private let manager = FileManager.default

    override func setUpWithError() throws {
        root = manager.temporaryDirectory.appendingPathComponent("tbot-secure-\(UUID().uuidString)")
        try manager.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? manager.removeItem(at: root)
    }

    /// A bot identity with real certificates from a fresh user CA, as the Auth server issues them.
    private func makeIdentity() throws -> BotIdentity {
        let now = Date()
        let userCA = try CertificateAuthority.generate(kind: .user, clusterName: "it.example.com", now: now)
        let hostCA = try CertificateAuthority.generate(kind: .host, clusterName: "it.example.com", now: now)
        let key = P256.Signing.PrivateKey()
        let issued = try UserCertificateIssuer(userCA: userCA).issue(BotCertificateRequest(
            botName: "example", botInstanceID: "3f2a", generation: 1, sshPublicKey: SSHPublicKey(key.publicKey),
            tlsPublicKey: SubjectTLSPublicKey(key.publicKey), renewable: true, now: now), serverCAs: [hostCA.tlsCertificate])
        func pem(_ der: [UInt8]) throws -> String { try Certificate(derEncoded: der).serializeAsPEM().pemString + "\n" }
        let fields: [String: Any] = [
            "bot_name": "example", "cluster_name": "it.example.com", "instance_id": "3f2a", "generation": 1,
            "renewable": true, "join_method": "token", "private_key": key.pemRepresentation,
            "ssh_certificate": try SSHCertificate(wireBytes: issued.sshCertificate).authorizedKey,
            "ssh_ca_keys": try issued.sshCAKeys.map { try SSHPublicKey(wireBytes: $0).authorizedKey },
            "tls_certificate": try pem(issued.tlsCertificateDER),
            "tls_ca_certificates": try issued.tlsCACertificatesDER.map(pem),
            "valid_before": RFC3339.format(now + 3600), "auth_server": "127.0.0.1:3025",
        ]
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(BotIdentity.self, from: JSONSerialization.data(withJSONObject: fields))
    }

    private func refusal(writingTo directory: URL, file: StaticString = #filePath, line: UInt = #line) throws -> JoinError {
        let identity = try makeIdentity()
        do {
            try IdentityOutputWriter(directory: directory).write(identity)
        } catch let error as JoinError {
            return error
        }
        XCTFail("the output was written to \(directory.path)", file: file, line: line)
        throw XCTSkip("no refusal")
    }

    private func contents(_ directory: URL) -> [String] {
        ((try? manager.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    func testAnOrdinaryDirectoryIsCreatedAndWritten() throws {
        let output = root.appendingPathComponent("a/b/output")
        try IdentityOutputWriter(directory: output).write(try makeIdentity())
        XCTAssertEqual(contents(output), IdentityOutputWriter.fileNames.sorted())
        // Writing again (a renewal) replaces the files in place.
        try IdentityOutputWriter(directory: output).write(try makeIdentity())
        XCTAssertEqual(contents(output), IdentityOutputWriter.fileNames.sorted())
        let mode = try manager.attributesOfItem(atPath: output.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o700)
    }

    func testASymbolicLinkAsTheDestinationIsRefused() throws {
        let real = root.appendingPathComponent("real")
        try manager.createDirectory(at: real, withIntermediateDirectories: true)
        let link = root.appendingPathComponent("output")
        try manager.createSymbolicLink(at: link, withDestinationURL: real)
        let error = try refusal(writingTo: link)
        XCTAssertEqual(error.kind, .badParameter)
        XCTAssertTrue(error.message.contains(link.path) && error.message.contains("symbolic link"), error.message)
        XCTAssertEqual(contents(real), [], "nothing may be written through the link")
    }

    func testASymbolicLinkInAParentOfTheDestinationIsRefused() throws {
        let real = root.appendingPathComponent("real")
        try manager.createDirectory(at: real.appendingPathComponent("output"), withIntermediateDirectories: true)
        let link = root.appendingPathComponent("parent")
        try manager.createSymbolicLink(at: link, withDestinationURL: real)
        let error = try refusal(writingTo: link.appendingPathComponent("output"))
        XCTAssertTrue(error.message.contains(link.path) && error.message.contains("symbolic link"), error.message)
        XCTAssertEqual(contents(real.appendingPathComponent("output")), [])
    }

    func testASymbolicLinkPlantedAsAnOutputFileIsRefusedAndItsTargetKept() throws {
        let output = root.appendingPathComponent("output")
        try IdentityOutputWriter(directory: output).write(try makeIdentity())
        let before = try Data(contentsOf: output.appendingPathComponent("tlscert"))
        let victim = root.appendingPathComponent("victim.conf")
        try Data("do not overwrite\n".utf8).write(to: victim)
        let planted = output.appendingPathComponent("key")
        try manager.removeItem(at: planted)
        try manager.createSymbolicLink(at: planted, withDestinationURL: victim)

        let error = try refusal(writingTo: output)
        XCTAssertTrue(error.message.contains(planted.path) && error.message.contains("symbolic link"), error.message)
        XCTAssertEqual(try String(contentsOf: victim, encoding: .utf8), "do not overwrite\n")
        XCTAssertEqual(try manager.destinationOfSymbolicLink(atPath: planted.path), victim.path, "the link is left for the operator")
        XCTAssertEqual(try Data(contentsOf: output.appendingPathComponent("tlscert")), before,
                       "a refused output is left whole as it was, not half renewed")
        XCTAssertFalse(contents(output).contains { AtomicFile.isTemporaryName($0) })
    }

    func testADirectoryOwnedByAnotherUserIsRefused() throws {
        try XCTSkipUnless(geteuid() == 0, "changing a directory's owner needs root")
        let output = root.appendingPathComponent("output")
        try manager.createDirectory(at: output, withIntermediateDirectories: true)
        XCTAssertEqual(chown(output.path, 12345, 12345), 0)
        let error = try refusal(writingTo: output)
        XCTAssertEqual(error.kind, .badParameter)
        XCTAssertTrue(error.message.contains(output.path), error.message)
        XCTAssertTrue(error.message.contains("owned by uid 12345") && error.message.contains("chown"), error.message)
        XCTAssertEqual(contents(output), [])
    }

    func testAnOutputFileOwnedByAnotherUserIsRefused() throws {
        try XCTSkipUnless(geteuid() == 0, "changing a file's owner needs root")
        let output = root.appendingPathComponent("output")
        try IdentityOutputWriter(directory: output).write(try makeIdentity())
        let file = output.appendingPathComponent("tlscacerts")
        XCTAssertEqual(chown(file.path, 12345, 12345), 0)
        let error = try refusal(writingTo: output)
        XCTAssertTrue(error.message.contains(file.path) && error.message.contains("uid 12345"), error.message)
    }
}
