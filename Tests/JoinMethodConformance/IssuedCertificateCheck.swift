import Foundation
import JoinCore
import JoineryProto
import Server
import TestSupport
import X509

/// Whether the certificates of a join are what the cluster's CA vouches for, as outside tools
/// see them: `openssl verify` chains the TLS certificate to the CA (host CA for a host, user CA
/// for a bot) at the cluster's time, and `ssh-keygen -L` reads the SSH certificate and names
/// the CA's key as its signer. Both must certify the keys the client sent.
enum IssuedCertificateCheck {
    static let openssl = "/usr/bin/openssl"
    static let sshKeygen = "/usr/bin/ssh-keygen"

    /// Everything wrong with `result`'s certificates; empty when they verify.
    static func problems(_ result: Joinery_V1_JoinResult, role: SystemRole, keys: ConformanceClientKeys,
                         authorities: ClusterAuthorities, at date: Date, scratch: URL) -> [String] {
        let authority = role == .bot ? authorities.user : authorities.host
        let caName = role == .bot ? "user CA" : "host CA"
        let folder = scratch.appendingPathComponent("conformance-certificates-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            return try tlsProblems(result, keys: keys, authority: authority, caName: caName, at: date, folder: folder)
                + sshProblems(result, role: role, keys: keys, authority: authority, caName: caName, folder: folder)
        } catch {
            return ["the certificates could not be checked: \(describe(error))"]
        }
    }

    private static func tlsProblems(_ result: Joinery_V1_JoinResult, keys: ConformanceClientKeys, authority: CertificateAuthority,
                                    caName: String, at date: Date, folder: URL) throws -> [String] {
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: Array(result.certificates.tlsCert))
        } catch {
            return ["the TLS certificate is not DER X.509: \(error)"]
        }
        var problems: [String] = []
        if certificate.publicKey != Certificate.PublicKey(keys.tlsKey.publicKey) {
            problems.append("the TLS certificate certifies another key than the client's")
        }
        let caFile = folder.appendingPathComponent("ca.pem"), leafFile = folder.appendingPathComponent("leaf.pem")
        try authority.trustedTLSCertificates.map { try $0.serializeAsPEM().pemString + "\n" }.joined()
            .write(to: caFile, atomically: true, encoding: .utf8)
        try (certificate.serializeAsPEM().pemString + "\n").write(to: leafFile, atomically: true, encoding: .utf8)
        let verify = try Command.run(openssl, ["verify", "-attime", String(Int(date.timeIntervalSince1970)),
                                               "-CAfile", caFile.path, leafFile.path], timeout: 30)
        if verify.status != 0 || !verify.stdout.contains(": OK") {
            problems.append("openssl verify does not chain the TLS certificate to the cluster's \(caName): "
                + ConformanceCheckResult.oneLine(verify.combined))
        }
        return problems
    }

    private static func sshProblems(_ result: Joinery_V1_JoinResult, role: SystemRole, keys: ConformanceClientKeys,
                                    authority: CertificateAuthority, caName: String, folder: URL) throws -> [String] {
        let certificate: SSHCertificate
        do {
            certificate = try SSHCertificate(wireBytes: result.certificates.sshCert)
        } catch {
            return ["the SSH certificate is unreadable: \(describe(error))"]
        }
        var problems: [String] = []
        if certificate.publicKey != keys.sshPublicKey(for: role) {
            problems.append("the SSH certificate certifies another key than the client's")
        }
        let expectedKind: SSHCertificate.Kind = role == .bot ? .user : .host
        if certificate.kind != expectedKind {
            problems.append("the SSH certificate is a \(certificate.kind) certificate, expected a \(expectedKind) certificate")
        }
        let caKeys = try authority.trustedSSHKeys
        if !certificate.isSigned(by: caKeys) {
            problems.append("the SSH certificate is not signed by the cluster's \(caName)")
        }
        let file = folder.appendingPathComponent("key-cert.pub")
        try (certificate.authorizedKey + "\n").write(to: file, atomically: true, encoding: .utf8)
        let listing = try Command.run(sshKeygen, ["-L", "-f", file.path], timeout: 30)
        let signer = listing.stdout.split(separator: "\n").first { $0.contains("Signing CA:") }.map(String.init) ?? ""
        if listing.status != 0 {
            problems.append("ssh-keygen -L cannot read the SSH certificate: " + ConformanceCheckResult.oneLine(listing.combined))
        } else if !listing.stdout.contains("\(expectedKind) certificate") {
            problems.append("ssh-keygen -L does not list a \(expectedKind) certificate: " + ConformanceCheckResult.oneLine(listing.stdout))
        } else if !caKeys.contains(where: { signer.contains($0.fingerprint) }) {
            problems.append("ssh-keygen -L names a signing CA that is not the cluster's \(caName): \(signer.trimmingCharacters(in: .whitespaces))")
        }
        return problems
    }
}
