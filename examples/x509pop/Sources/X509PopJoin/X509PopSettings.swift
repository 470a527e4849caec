import Foundation
import JoinCore

/// The Auth server's settings: the `config` of the `x509pop` entry in
/// `auth_service.join_plugins`.
///
/// ```yaml
/// config:
///   ca_bundle_path: /etc/joinery/x509pop-ca.pem
/// ```
public struct X509PopServerSettings: Sendable, Equatable {
    /// The PEM file of the CA certificates host certificates must chain to.
    public var caBundlePath: String

    static let place = "auth_service.join_plugins[x509pop].config"

    public init(caBundlePath: String) {
        self.caBundlePath = caBundlePath
    }

    /// Reads the settings strictly: unknown keys and empty values are errors naming the key.
    public init(_ settings: JSONValue) throws {
        let fields = try SettingsFields(settings, place: Self.place, allowed: ["ca_bundle_path"])
        caBundlePath = try fields.path("ca_bundle_path", meaning: "the PEM file of the CA certificates host certificates must chain to")
    }
}

/// A joining host's settings: the `config` of the `x509pop` entry in `teleport.join_plugins`.
///
/// ```yaml
/// config:
///   certificate_path: /etc/joinery/host.pem   # the chain, leaf first
///   private_key_path: /etc/joinery/host.key   # PKCS#8 P-256
/// ```
public struct X509PopProverSettings: Sendable, Equatable {
    /// The host's certificate chain (PEM, leaf first; intermediates may follow).
    public var certificatePath: String
    /// The leaf's private key (PEM, PKCS#8, P-256 ECDSA).
    public var privateKeyPath: String

    static let place = "teleport.join_plugins[x509pop].config"

    public init(certificatePath: String, privateKeyPath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }

    /// Reads the settings strictly: unknown keys and empty values are errors naming the key.
    public init(_ settings: JSONValue) throws {
        let fields = try SettingsFields(settings, place: Self.place, allowed: ["certificate_path", "private_key_path"])
        certificatePath = try fields.path("certificate_path", meaning: "the host's certificate chain in PEM, leaf first")
        privateKeyPath = try fields.path("private_key_path", meaning: "the certificate's private key in PEM (PKCS#8, P-256)")
    }
}

/// A settings map checked key by key, so every message names `<place>.<key>`.
struct SettingsFields {
    let object: [String: JSONValue]
    let place: String

    init(_ settings: JSONValue, place: String, allowed: Set<String>) throws {
        guard case .object(let object) = settings else {
            throw X509PopErrors.settings("\(place): expected a map with \(allowed.sorted().joined(separator: ", "))")
        }
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw X509PopErrors.settings(
                "\(place): unknown setting \"\(UntrustedString.sanitize(key))\"; x509pop reads \(allowed.sorted().joined(separator: ", "))")
        }
        self.object = object
        self.place = place
    }

    /// A required absolute path.
    func path(_ key: String, meaning: String) throws -> String {
        guard let value = object[key] else {
            throw X509PopErrors.settings("\(place).\(key) is required: \(meaning)")
        }
        guard case .string(let path) = value, !path.isEmpty else {
            throw X509PopErrors.settings("\(place).\(key): expected a non-empty path to \(meaning)")
        }
        guard path.hasPrefix("/") else {
            throw X509PopErrors.settings("\(place).\(key): \"\(path)\" must be an absolute path")
        }
        return path
    }
}
