import Crypto
import Foundation
import JoinCore
import Server
import SwiftASN1
import X509
import XCTest

/// A fresh directory under the system temporary directory, removed by the test.
struct ScratchDirectory {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("joinery-authority-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func url(_ name: String) -> URL { root.appendingPathComponent(name) }

    /// Writes `text` to `name` with `permissions` and returns the path.
    @discardableResult
    func write(_ text: String, to name: String, permissions: Int = 0o600) throws -> String {
        let path = url(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
        return path
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// Shared fixtures: a cluster, its CAs, host requests with real keys.
enum AuthorityFixtures {
    static let clusterName = "example.com"
    /// A fixed moment so validity checks are repeatable.
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    static func hostCA(cluster: String = clusterName, now: Date = Date()) throws -> CertificateAuthority {
        try CertificateAuthority.generate(kind: .host, clusterName: cluster, now: now)
    }

    static func userCA(cluster: String = clusterName, now: Date = Date()) throws -> CertificateAuthority {
        try CertificateAuthority.generate(kind: .user, clusterName: cluster, now: now)
    }

    static func tlsPublicKey() -> SubjectTLSPublicKey {
        SubjectTLSPublicKey(P256.Signing.PrivateKey().publicKey)
    }

    static func hostRequest(
        hostID: String = "5f1c8a52-7e1e-4a55-9f0e-3f0b4c3f6a21", nodeName: String = "node-1",
        role: SystemRole = .instance, systemRoles: [SystemRole] = [.node],
        sshKey: SSHPublicKey = SSHPublicKey(Curve25519.Signing.PrivateKey().publicKey),
        additionalPrincipals: [String] = [], dnsNames: [String] = [], remoteHost: String? = nil,
        now: Date = Date()
    ) -> HostCertificateRequest {
        HostCertificateRequest(
            hostID: hostID, nodeName: nodeName, clusterName: clusterName, role: role, systemRoles: systemRoles,
            sshPublicKey: sshKey, tlsPublicKey: tlsPublicKey(), additionalPrincipals: additionalPrincipals,
            dnsNames: dnsNames, remoteHost: remoteHost, now: now)
    }

    /// DER SubjectPublicKeyInfo of any key swift-certificates knows.
    static func spkiDER(_ key: Certificate.PublicKey) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(key)
        return serializer.serializedBytes
    }

    static func pem(_ certificate: Certificate) throws -> String {
        try certificate.serializeAsPEM().pemString + "\n"
    }

    static func pem(der: [UInt8]) throws -> String {
        try pem(Certificate(derEncoded: der))
    }
}

/// Asserts that `body` throws a `JoinError` of `kind`, and returns it.
@discardableResult
func assertJoinError<T>(
    _ kind: JoinError.Kind, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
) -> JoinError? {
    do {
        _ = try body()
        XCTFail("expected a \(kind) error, got success", file: file, line: line)
    } catch let error as JoinError {
        XCTAssertEqual(error.kind, kind, "message: \(error.message)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected a JoinError, got \(error)", file: file, line: line)
    }
    return nil
}
