import Crypto
import Foundation
import JoinCore
import SwiftASN1
import X509

/// A joining host's certificate chain and the leaf's private key, read from the files its
/// settings name and checked against each other, so a wrong file is reported on the host,
/// with the file's name, rather than as a refusal from the Auth server.
public struct HostCredentials: Sendable {
    public let chain: X509PopPayload
    let privateKey: P256.Signing.PrivateKey

    static let certificateSetting = "\(X509PopProverSettings.place).certificate_path"
    static let keySetting = "\(X509PopProverSettings.place).private_key_path"

    public init(settings: X509PopProverSettings) throws {
        let chain = try Self.readChain(settings.certificatePath)
        let key = try Self.readKey(settings.privateKeyPath)
        guard Self.key(key, belongsTo: chain) else {
            throw X509PopErrors.file(settings.privateKeyPath, setting: Self.keySetting,
                                     "is not the key of the first certificate in \(settings.certificatePath); "
                                        + "the first certificate must be the host's own (the leaf), followed by any intermediates")
        }
        self.chain = chain
        privateKey = key
    }

    /// Credentials already in memory (tests, or a host that keeps its key elsewhere).
    public init(chain: X509PopPayload, privateKey: P256.Signing.PrivateKey) throws {
        guard Self.key(privateKey, belongsTo: chain) else {
            throw X509PopErrors.settings("the private key is not the key of the leaf certificate")
        }
        self.chain = chain
        self.privateKey = privateKey
    }

    private static func key(_ key: P256.Signing.PrivateKey, belongsTo chain: X509PopPayload) -> Bool {
        Certificate.PublicKey(key.publicKey) == chain.leaf.publicKey
    }

    /// The leaf's SHA-256 fingerprint, as the server computes it.
    var fingerprint: Data { Data(SHA256.hash(data: chain.leafDER)) }

    /// Signs a challenge that names this host's certificate.
    func sign(_ challenge: X509PopChallenge) throws -> Data {
        guard challenge.fingerprint == fingerprint else {
            throw X509PopErrors.challengeForAnotherCertificate(expected: Hex.encode(fingerprint), got: Hex.encode(challenge.fingerprint))
        }
        return try privateKey.signature(for: challenge.signedMessage).derRepresentation
    }

    private static func readChain(_ path: String) throws -> X509PopPayload {
        let documents = try PEMFile.documents(at: path, setting: certificateSetting)
        var encodings: [[UInt8]] = []
        for (index, document) in documents.enumerated() {
            guard document.discriminator == "CERTIFICATE" else {
                throw X509PopErrors.file(path, setting: certificateSetting,
                                         "block \(index + 1) is a \(PEMFile.label(of: document)), not a CERTIFICATE; "
                                            + "keep the private key in private_key_path")
            }
            encodings.append(document.derBytes)
        }
        do {
            return try X509PopPayload(derEncodings: encodings)
        } catch let error as JoinError {
            throw X509PopErrors.file(path, setting: certificateSetting, "cannot be sent: \(error.message)")
        }
    }

    /// Only an unencrypted PKCS#8 P-256 key; every other form is refused with the command that
    /// converts it, where there is one.
    private static func readKey(_ path: String) throws -> P256.Signing.PrivateKey {
        let documents = try PEMFile.documents(at: path, setting: keySetting)
        guard documents.count == 1, let document = documents.first else {
            throw X509PopErrors.file(path, setting: keySetting, "holds \(documents.count) PEM blocks; expected exactly one PRIVATE KEY")
        }
        switch document.discriminator {
        case "PRIVATE KEY":
            break
        case "EC PRIVATE KEY":
            throw X509PopErrors.file(path, setting: keySetting,
                                     "is a SEC 1 EC key; x509pop reads PKCS#8 (convert it: openssl pkcs8 -topk8 -nocrypt -in \(path))")
        case "ENCRYPTED PRIVATE KEY":
            throw X509PopErrors.file(path, setting: keySetting, "is encrypted; x509pop reads an unencrypted PKCS#8 key")
        case "RSA PRIVATE KEY":
            throw X509PopErrors.file(path, setting: keySetting, "is an RSA key; x509pop needs a P-256 ECDSA key")
        default:
            throw X509PopErrors.file(path, setting: keySetting,
                                     "holds a \(PEMFile.label(of: document)), not a PRIVATE KEY (PKCS#8, P-256)")
        }
        if let key = try? P256.Signing.PrivateKey(derRepresentation: document.derBytes) {
            return key
        }
        if let other = try? Certificate.PrivateKey(derBytes: document.derBytes) {
            throw X509PopErrors.file(path, setting: keySetting, "holds a \(other); x509pop needs a P-256 ECDSA key")
        }
        throw X509PopErrors.file(path, setting: keySetting, "is not a readable PKCS#8 private key")
    }
}
