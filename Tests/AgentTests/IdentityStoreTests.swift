import Foundation
@testable import Agent
import JoinCore
import XCTest

/// The identity under `data_dir` (DESIGN.md §6): whole, private, and never silently replaced.
final class IdentityStoreTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var store: IdentityStore!

    override func setUpWithError() throws {
        scratch = try ScratchDirectory()
        store = IdentityStore(dataDirectory: scratch.url("data"))
    }

    override func tearDown() {
        scratch.remove()
    }

    private func contents(_ relative: String) throws -> String {
        try String(contentsOf: store.dataDirectory.appendingPathComponent(relative), encoding: .utf8)
    }

    func testLoadReturnsNilWhenNothingWasSaved() throws {
        XCTAssertNil(try store.load())
    }

    func testSaveThenLoadRoundTrips() throws {
        let identity = SampleIdentity.make()
        try store.save(identity)
        XCTAssertEqual(try store.load(), identity)
    }

    func testANewStoreOnTheSameDirectoryReadsTheIdentity() throws {
        let identity = SampleIdentity.make()
        try store.save(identity)
        XCTAssertEqual(try IdentityStore(dataDirectory: store.dataDirectory).load(), identity)
    }

    func testDataDirectoryIsPrivate() throws {
        try store.save(SampleIdentity.make())
        XCTAssertEqual(try permissions(store.dataDirectory), 0o700)
        XCTAssertEqual(try permissions(store.keysDirectory), 0o700)
    }

    func testExistingOpenDataDirectoryIsTightened() throws {
        try FileManager.default.createDirectory(at: store.dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try store.save(SampleIdentity.make())
        XCTAssertEqual(try permissions(store.dataDirectory), 0o700)
    }

    func testSecretFilesAreOwnerOnly() throws {
        try store.save(SampleIdentity.make())
        for file in ["identity.json", "host_uuid", "keys/ssh_host_key", "keys/host.key"] {
            XCTAssertEqual(try permissions(store.dataDirectory.appendingPathComponent(file)), 0o600, file)
        }
    }

    func testPublicFilesAreReadable() throws {
        try store.save(SampleIdentity.make())
        for file in ["keys/ssh_host_key-cert.pub", "keys/ssh_ca.pub", "keys/host.crt", "keys/ca.pem"] {
            XCTAssertEqual(try permissions(store.dataDirectory.appendingPathComponent(file)), 0o644, file)
        }
    }

    func testHostUUIDFileHoldsTheHostID() throws {
        try store.save(SampleIdentity.make(hostID: "host-id-1"))
        XCTAssertEqual(try contents("host_uuid"), "host-id-1\n")
    }

    func testExportedFilesHoldTheIdentity() throws {
        let identity = SampleIdentity.make()
        try store.save(identity)
        XCTAssertEqual(try contents("keys/ssh_host_key"), identity.sshPrivateKey)
        XCTAssertEqual(try contents("keys/ssh_host_key-cert.pub"), identity.sshCertificate + "\n")
        XCTAssertEqual(try contents("keys/ssh_ca.pub"), "ssh-ed25519 AAAAfirstca0\nssh-ed25519 AAAAfirstca1\n")
        XCTAssertEqual(try contents("keys/host.key"), identity.tlsPrivateKey)
        XCTAssertEqual(try contents("keys/host.crt"), identity.tlsCertificate)
        XCTAssertEqual(try contents("keys/ca.pem"), identity.tlsCACertificates.joined())
    }

    func testSavingAgainReplacesTheWholeIdentity() throws {
        try store.save(SampleIdentity.make(hostID: "old-host", caCount: 3, tag: "old"))
        let replacement = SampleIdentity.make(hostID: "new-host", caCount: 1, tag: "new")
        try store.save(replacement)
        XCTAssertEqual(try store.load(), replacement)
        XCTAssertEqual(try contents("host_uuid"), "new-host\n")
        XCTAssertEqual(try contents("keys/ssh_host_key"), replacement.sshPrivateKey)
        XCTAssertEqual(try contents("keys/ca.pem"), replacement.tlsCACertificates.joined())
        XCTAssertFalse(try contents("keys/ssh_ca.pub").contains("old"))
    }

    func testNoTemporaryFilesAreLeftBehind() throws {
        try store.save(SampleIdentity.make(tag: "one"))
        try store.save(SampleIdentity.make(tag: "two"))
        let top = try FileManager.default.contentsOfDirectory(atPath: store.dataDirectory.path).sorted()
        XCTAssertEqual(top, ["host_uuid", "identity.json", "keys"])
        let keys = try FileManager.default.contentsOfDirectory(atPath: store.keysDirectory.path).sorted()
        XCTAssertEqual(keys, ["ca.pem", "host.crt", "host.key", "ssh_ca.pub", "ssh_host_key", "ssh_host_key-cert.pub"])
    }

    func testMissingParentDirectoriesAreCreated() throws {
        let nested = IdentityStore(dataDirectory: scratch.url("var/lib/teleport"))
        try nested.save(SampleIdentity.make())
        XCTAssertNotNil(try nested.load())
        XCTAssertEqual(try permissions(nested.dataDirectory), 0o700)
    }

    func testCorruptIdentityTellsTheOperatorToMoveItAway() throws {
        try store.save(SampleIdentity.make())
        try Data("{\"host_id\": \"abc\", ".utf8).write(to: store.identityFile)
        XCTAssertThrowsError(try store.load()) { error in
            let message = (error as? JoinError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains(self.store.identityFile.path), message)
            XCTAssertTrue(message.contains("move it away"), message)
        }
    }

    func testIdentityWithAMissingFieldNamesIt() throws {
        try FileManager.default.createDirectory(at: store.dataDirectory, withIntermediateDirectories: true)
        try Data(#"{"host_id":"abc"}"#.utf8).write(to: store.identityFile)
        XCTAssertThrowsError(try store.load()) { error in
            let message = (error as? JoinError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains("missing field"), message)
            XCTAssertTrue(message.contains("move it away"), message)
        }
    }

    func testEmptyIdentityFileIsAnErrorNotAFreshStart() throws {
        try FileManager.default.createDirectory(at: store.dataDirectory, withIntermediateDirectories: true)
        try Data().write(to: store.identityFile)
        XCTAssertThrowsError(try store.load())
    }

    func testIdentityJSONUsesSnakeCaseKeys() throws {
        try store.save(SampleIdentity.make())
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: store.identityFile)) as? [String: Any]
        XCTAssertEqual(Set(object?.keys.map { $0 } ?? []), [
            "host_id", "node_name", "cluster_name", "role", "ssh_private_key", "ssh_certificate", "ssh_ca_keys",
            "tls_private_key", "tls_certificate", "tls_ca_certificates", "auth_server",
        ])
    }

    func testAtomicWriteIntoMissingDirectoryFailsNamingTheFile() {
        let target = scratch.url("missing/file")
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: target, mode: 0o600)) { error in
            let message = (error as? JoinError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains(self.scratch.url("missing").path), message)
        }
    }

    func testAtomicWriteGivesTheRequestedMode() throws {
        let target = scratch.url("group-readable")
        try AtomicFile.write(Data("x".utf8), to: target, mode: 0o640)
        XCTAssertEqual(try permissions(target), 0o640)
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "x")
    }
}
