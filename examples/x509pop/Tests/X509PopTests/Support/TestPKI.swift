import Crypto
import Foundation
import SwiftASN1
import X509

/// A throw-away CA for tests: real certificates, made with swift-certificates, at a fixed time.
struct TestCA {
    let key: P256.Signing.PrivateKey
    let certificate: Certificate

    var name: DistinguishedName { certificate.subject }

    /// A self-signed root, valid from a day before `now` for a year.
    static func root(_ commonName: String = "x509pop Test Root CA", now: Date,
                     notBefore: Date? = nil, notAfter: Date? = nil) throws -> TestCA {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Joinery tests")
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: notBefore ?? now.addingTimeInterval(-86_400), notValidAfter: notAfter ?? now.addingTimeInterval(365 * 86_400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        return TestCA(key: key, certificate: certificate)
    }

    /// An intermediate CA issued by this one.
    func intermediate(_ commonName: String = "x509pop Test Intermediate CA", now: Date,
                      notBefore: Date? = nil, notAfter: Date? = nil) throws -> TestCA {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Joinery tests")
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: notBefore ?? now.addingTimeInterval(-86_400), notValidAfter: notAfter ?? now.addingTimeInterval(180 * 86_400),
            issuer: name, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(self.key))
        return TestCA(key: key, certificate: certificate)
    }

    /// What a host certificate may differ in.
    struct LeafOptions {
        var commonNames: [String] = ["web-1.example.com"]
        var notBefore: Date?
        var notAfter: Date?
        var keyUsage: KeyUsage? = KeyUsage(digitalSignature: true)
        var extendedKeyUsage: [ExtendedKeyUsage.Usage]? = [.clientAuth]
        var extendedKeyUsageIsCritical = false
        var isCertificateAuthority = false
    }

    /// A host certificate for `publicKey`, issued by this CA.
    func leaf(for publicKey: Certificate.PublicKey, now: Date, _ options: LeafOptions = LeafOptions()) throws -> Certificate {
        let subject = try DistinguishedName(options.commonNames.map { name in
            RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: .RDNAttributeType.commonName, utf8String: name))
        } + [RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: .RDNAttributeType.organizationName, utf8String: "Joinery tests"))])
        var extensions = Certificate.Extensions()
        let basicConstraints: BasicConstraints = options.isCertificateAuthority
            ? .isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority
        try extensions.append(Certificate.Extension(basicConstraints, critical: true))
        if let keyUsage = options.keyUsage { try extensions.append(Certificate.Extension(keyUsage, critical: true)) }
        if let usages = options.extendedKeyUsage {
            try extensions.append(Certificate.Extension(try ExtendedKeyUsage(usages), critical: options.extendedKeyUsageIsCritical))
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: options.notBefore ?? now.addingTimeInterval(-3600), notValidAfter: options.notAfter ?? now.addingTimeInterval(30 * 86_400),
            issuer: name, subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: .init(key))
    }
}

/// A host: its key and its certificate chain (leaf first).
struct TestHost {
    let key: P256.Signing.PrivateKey
    let chain: [Certificate]

    static func issued(by ca: TestCA, intermediates: [TestCA] = [], now: Date, _ options: TestCA.LeafOptions = .init()) throws -> TestHost {
        let key = P256.Signing.PrivateKey()
        let issuer = intermediates.last ?? ca
        let leaf = try issuer.leaf(for: .init(key.publicKey), now: now, options)
        return TestHost(key: key, chain: [leaf] + intermediates.reversed().map(\.certificate))
    }
}

extension Certificate {
    var derBytes: [UInt8] {
        var serializer = DER.Serializer()
        try! serializer.serialize(self)
        return serializer.serializedBytes
    }

    var pem: String { try! serializeAsPEM().pemString + "\n" }
}

/// A scratch directory removed by `remove()`.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("x509pop-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` and returns its absolute path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
