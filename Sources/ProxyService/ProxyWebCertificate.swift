import Crypto
import Foundation
import JoinCore
import Logging
import SwiftASN1
import Transport
import X509

/// The certificate the Proxy Service shows on its web port: the operator's
/// (`proxy_service.https_keypairs`) or, when none is given, one signed by a private CA made
/// for it, kept in `data_dir/proxy/` so it survives restarts; clients trust that CA with
/// `ca_path` / `--ca-path` (`webcert.pem`) instead of `--insecure`.
public struct ProxyWebCertificate: Sendable {
    /// The served chain, leaf first, one PEM block each.
    public let chainPEM: [String]
    /// The leaf's private key, PEM.
    public let privateKeyPEM: String

    /// The folder under `data_dir` that holds the self-signed pair.
    public static let selfSignedFolder = ProxySelfSignedCA.folder
    /// The CA certificate to trust the proxy with.
    static let selfSignedCertificateFile = ProxySelfSignedCA.file
    /// The served chain (leaf, then the CA) and the leaf's key.
    static let selfSignedChainFile = "webchain.pem"
    static let selfSignedKeyFile = "webkey.pem"

    /// Reads the first configured pair; makes or reuses the self-signed one when there is none.
    ///
    /// - Parameters:
    ///   - keyPairs: `proxy_service.https_keypairs`, in order.
    ///   - publicAddresses: `proxy_service.public_addr`.
    ///   - webListenAddress: `proxy_service.web_listen_addr`.
    ///   - field: names the key pairs setting in errors (`<file>: proxy_service.https_keypairs`).
    public static func load(keyPairs: [(certFile: String, keyFile: String)], publicAddresses: [String], webListenAddress: String,
                            dataDirectory: URL, field: String, logger: Logger) throws -> ProxyWebCertificate {
        if let pair = keyPairs.first {
            return try read(certificateFile: pair.certFile, keyFile: pair.keyFile, field: field)
        }
        let folder = dataDirectory.appendingPathComponent(selfSignedFolder)
        let certificateFile = folder.appendingPathComponent(selfSignedCertificateFile)
        let chainFile = folder.appendingPathComponent(selfSignedChainFile)
        let keyFile = folder.appendingPathComponent(selfSignedKeyFile)
        let names = subjectNames(publicAddresses: publicAddresses, webListenAddress: webListenAddress)
        if FileManager.default.fileExists(atPath: chainFile.path),
           let existing = try? read(certificateFile: chainFile.path, keyFile: keyFile.path, field: "self-signed web certificate"),
           existing.isValid(for: names, at: Date()) {
            warnSelfSigned(certificateFile, logger: logger)
            return existing
        }
        let made = try selfSigned(names: names, now: Date())
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try AtomicFile.write(Data(made.privateKeyPEM.utf8), to: keyFile, mode: 0o600)
        try AtomicFile.write(Data(made.chainPEM.joined().utf8), to: chainFile, mode: 0o644)
        try AtomicFile.write(Data(made.chainPEM[1].utf8), to: certificateFile, mode: 0o644)
        warnSelfSigned(certificateFile, logger: logger)
        return made
    }

    private static func warnSelfSigned(_ file: URL, logger: Logger) {
        logger.warning(
            "proxy_service has no https_keypairs: serving a self-signed web certificate; clients must trust it with ca_path/--ca-path or use --insecure",
            metadata: ["certificate": "\(file.path)"])
    }

    /// The names clients may dial: `public_addr` hosts, the listen host when specific, and
    /// loopback.
    static func subjectNames(publicAddresses: [String], webListenAddress: String) -> [String] {
        var names = publicAddresses.map(CertificateSubjectNames.host(of:))
        let listenHost = CertificateSubjectNames.host(of: webListenAddress)
        if !["0.0.0.0", "::", ""].contains(listenHost) { names.append(listenHost) }
        names += ["localhost", "127.0.0.1", "::1"]
        var seen = Set<String>()
        return names.filter { seen.insert($0.lowercased()).inserted }
    }

    private static func read(certificateFile: String, keyFile: String, field: String) throws -> ProxyWebCertificate {
        let certificateText: String
        let keyText: String
        do {
            certificateText = try String(contentsOfFile: certificateFile, encoding: .utf8)
            keyText = try String(contentsOfFile: keyFile, encoding: .utf8)
        } catch {
            throw JoinError.badParameter("\(field): cannot read \(certificateFile) or \(keyFile): \(error.localizedDescription)")
        }
        let blocks = try PEMDocument.parseMultiple(pemString: certificateText).filter { $0.discriminator == "CERTIFICATE" }
        guard !blocks.isEmpty else {
            throw JoinError.badParameter("\(field): \(certificateFile) holds no PEM certificate")
        }
        for block in blocks { _ = try Certificate(derEncoded: block.derBytes) }
        guard keyText.contains("PRIVATE KEY-----") else {
            throw JoinError.badParameter("\(field): \(keyFile) holds no PEM private key")
        }
        return ProxyWebCertificate(chainPEM: blocks.map { $0.pemString + "\n" }, privateKeyPEM: keyText)
    }

    private func isValid(for names: [String], at now: Date) -> Bool {
        guard let first = chainPEM.first, let leaf = try? Certificate(pemEncoded: first) else { return false }
        guard leaf.notValidBefore <= now, now.addingTimeInterval(7 * 86_400) < leaf.notValidAfter,
              let alternatives = try? leaf.extensions.subjectAlternativeNames else { return false }
        let present = Array(alternatives)
        return names.map(CertificateSubjectNames.generalName(for:)).allSatisfy(present.contains)
    }

    /// A small private CA and a leaf it signs for `names`. The CA certificate is what clients
    /// trust (`webcert.pem`); the server presents the leaf and the CA.
    static func selfSigned(names: [String], now: Date) throws -> ProxyWebCertificate {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("Joinery Proxy Service")
            CommonName("Joinery Proxy Service self-signed CA")
        }
        let notAfter = now.addingTimeInterval(365 * 86_400)
        let authority = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: .init(caKey.publicKey), notValidBefore: now.addingTimeInterval(-300), notValidAfter: notAfter,
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let key = P256.Signing.PrivateKey()
        let leafName = try DistinguishedName {
            OrganizationName("Joinery Proxy Service")
            CommonName(names.first ?? "localhost")
        }
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey), notValidBefore: now.addingTimeInterval(-300), notValidAfter: notAfter,
            issuer: caName, subject: leafName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map(CertificateSubjectNames.generalName(for:)))
            },
            issuerPrivateKey: .init(caKey))
        return ProxyWebCertificate(
            chainPEM: [try leaf.serializeAsPEM().pemString + "\n", try authority.serializeAsPEM().pemString + "\n"],
            privateKeyPEM: key.pemRepresentation)
    }
}
