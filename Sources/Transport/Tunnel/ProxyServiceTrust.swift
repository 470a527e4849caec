import Foundation
import JoinCore
import NIOCore
import NIOSSL
import SwiftASN1
import Synchronization
import X509

/// Decides whether the certificate a Joinery Proxy Service presents for the tunnel's outer
/// TLS session is acceptable, and says why when it is not.
///
/// The name is checked against ``LocalTunnel/OuterTLS/serverName`` and never against the
/// socket's address: through an HTTP proxy the socket is connected to the proxy, so the
/// address says nothing about who answered. That is why verification is done here with
/// swift-certificates' `Verifier` (RFC 5280 path validation plus RFC 6125 server identity)
/// rather than by BoringSSL, whose IP check uses the peer address.
///
/// Without `ca_path`, the "system trust store" is the PEM bundle named by `SSL_CERT_FILE` when
/// that is set, as OpenSSL and Go read it (the variable replaces the system bundle rather than
/// adding to it), else the Debian or RHEL bundle. That lets an operator trust a private Proxy
/// CA for one process, unchanged commands and all, without installing it system-wide.
struct ProxyServiceTrust: Sendable {
    enum Anchors: Sendable {
        /// Verify with swift-certificates against these roots.
        case store(CertificateStore)
        /// No system bundle where swift-certificates looks: BoringSSL checks the chain with
        /// NIOSSL's default roots, and the name is checked here after the handshake.
        case nioSSLDefault
        /// `--insecure`: no check at all.
        case none
    }

    /// Where Debian (and swift-certificates) find the system roots.
    static let systemBundlePaths = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]
    /// The environment variable naming a PEM bundle that replaces the system bundle.
    static let bundleOverrideVariable = "SSL_CERT_FILE"

    let anchors: Anchors
    /// Where the roots in ``anchors`` came from, for messages.
    let trustSource: String
    let serverName: String
    /// `host:port` the tunnel dials, for messages.
    let destination: String
    let serverNameIsIPAddress: Bool
    /// Names the setting that takes a CA file (`--ca-path (teleport.ca_path)`), for ``untrustedAdvice``.
    let caPathSetting: String

    init(settings: LocalTunnel.OuterTLS, destination: String) {
        if settings.insecure {
            (anchors, trustSource) = (.none, "nothing (insecure)")
        } else if let roots = settings.trustRoots {
            (anchors, trustSource) = (.store(CertificateStore(roots)), "the configured CA file")
        } else if let path = ProcessInfo.processInfo.environment[Self.bundleOverrideVariable], !path.isEmpty {
            // Unreadable or not PEM: nothing is trusted, as with OpenSSL; the refusal says so.
            let roots = Self.certificates(inBundleAt: path)
            (anchors, trustSource) = (.store(CertificateStore(roots)),
                                      "\(Self.bundleOverrideVariable)=\(path) (\(roots.count) certificates read)")
        } else if Self.systemBundlePaths.contains(where: { FileManager.default.isReadableFile(atPath: $0) }) {
            (anchors, trustSource) = (.store(CertificateStore.systemTrustRoots), "the system trust store")
        } else {
            (anchors, trustSource) = (.nioSSLDefault, "the system trust store")
        }
        serverName = settings.serverName
        self.destination = destination
        serverNameIsIPAddress = Self.isIPAddress(settings.serverName)
        caPathSetting = settings.caPathSetting
    }

    /// What to do about a certificate that is not trusted, ending every such refusal: the
    /// setting that takes a CA file, the environment variable, and where a Proxy Service's own
    /// self-signed CA is — the usual case on a first try.
    var untrustedAdvice: String {
        "; to trust it, pass the certificate of the CA that issued it with \(caPathSetting) or name a PEM bundle holding it "
            + "in \(Self.bundleOverrideVariable) (a Proxy Service without https_keypairs serves a self-signed certificate: "
            + "its CA is \(ProxySelfSignedCA.location) on the proxy's host)"
    }

    /// The certificates in the PEM bundle at `path`; none when it cannot be read or parsed.
    static func certificates(inBundleAt path: String) -> [Certificate] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let documents = try? PEMDocument.parseMultiple(pemString: text) else { return [] }
        return documents.compactMap { try? Certificate(pemDocument: $0) }
    }

    static func isIPAddress(_ text: String) -> Bool {
        (try? SocketAddress(ipAddress: text, port: 0)) != nil
    }

    /// The TLS configuration for the outer session: verification is either off, ours (the
    /// custom callback), or BoringSSL's chain check without its name check.
    func tlsConfiguration(applicationProtocols: [String]) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = applicationProtocols
        switch anchors {
        case .none:
            configuration.certificateVerification = .none
        case .store:
            // The custom callback replaces BoringSSL's checks, but is only called when
            // verification is on; its own roots are unused, so none are loaded.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates([])
        case .nioSSLDefault:
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .default
        }
        return configuration
    }

    /// A client handler for one connection; a refused certificate's reason goes to `outcome`.
    func makeClientHandler(context: NIOSSLContext, outcome: VerificationOutcome) throws -> NIOSSLClientHandler {
        let sni = serverNameIsIPAddress ? nil : serverName
        guard case .store(let roots) = anchors else {
            return try NIOSSLClientHandler(context: context, serverHostname: sni)
        }
        return try NIOSSLClientHandler(context: context, serverHostname: sni) { presented, promise in
            let chain: [Certificate]
            do {
                chain = try presented.map { try Certificate(derEncoded: try $0.toDERBytes()) }
            } catch {
                outcome.record(JoinError.accessDenied("the Proxy Service at \(destination) presented an unreadable certificate"))
                promise.succeed(.failed)
                return
            }
            promise.completeWithTask {
                if let refusal = await self.refusal(of: chain, roots: roots, now: Date()) {
                    outcome.record(refusal)
                    return .failed
                }
                return .certificateVerified(VerificationMetadata(nil))
            }
        }
    }

    /// Why `chain` (leaf first, as presented) is not acceptable, or nil when it is. The
    /// verifier judges validity at the current time; `now` (the same instant) only words the
    /// message about it.
    func refusal(of chain: [Certificate], roots: CertificateStore, now: Date) async -> JoinError? {
        guard let leaf = chain.first else {
            return JoinError.accessDenied("the Proxy Service at \(destination) presented no certificate")
        }
        if let refusal = roleRefusal(leaf) { return refusal }
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy()
            identityPolicy
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst()))
        if case .validCertificate = result { return nil }
        if let mismatch = await nameMismatch(leaf) { return mismatch }
        guard leaf.notValidBefore <= now, now <= leaf.notValidAfter else {
            return JoinError.accessDenied(
                "the certificate presented by the Proxy Service at \(destination) is not valid at the current time "
                    + "(valid from \(leaf.notValidBefore) to \(leaf.notValidAfter)); check the clocks")
        }
        var message = "the certificate presented by the Proxy Service at \(destination) (\(leaf.subject)) is not trusted: "
            + "it does not chain to a certificate authority trusted by \(trustSource)"
        if case .couldNotValidate(let failures) = result, let reason = failures.first?.policyFailureReason {
            message += " (\(reason))"
        }
        return JoinError.accessDenied(message + untrustedAdvice)
    }

    /// Why `leaf`, a certificate this or another Joinery cluster issued, may not serve as a
    /// Proxy Service; nil for a certificate that claims no cluster role (a web certificate
    /// from a public or private web CA) or one that holds the Proxy role.
    ///
    /// Every member of a cluster holds a certificate from the same host CA; if an operator
    /// trusts that CA for the proxy (`ca_path`), a Node's certificate would otherwise pass.
    /// A certificate of the cluster's Auth server is not refused as an impostor but reported as
    /// `unavailable` ("this is an Auth server"), so that an `auth_server` on port 3080 or 443
    /// tried as a proxy first is then joined directly — where the Auth server is checked
    /// against the CA pins, as any direct join is.
    func roleRefusal(_ leaf: Certificate) -> JoinError? {
        guard let claim = CertificateRoleClaim(certificate: leaf), !claim.holds(.proxy) else { return nil }
        if claim.holds(.auth) {
            return JoinError.unavailable("\(destination) answers with an Auth server's certificate: it is an Auth server, not a Proxy Service")
        }
        return JoinError.accessDenied(
            "the Proxy Service at \(destination) presented a \(claim.roleDescription) certificate of cluster \"\(claim.clusterName)\": "
                + "only a certificate with the Proxy role may serve as the Proxy Service")
    }

    /// Why `leaf` does not name ``serverName``, or nil when it does. Checked on its own so a
    /// wrong name is reported as such rather than as a generic trust failure, and so the name
    /// can be checked when BoringSSL verified the chain: the leaf is made its own root, and
    /// only the identity policy is applied.
    func nameMismatch(_ leaf: Certificate) async -> JoinError? {
        let policy = IdentityOnlyPolicy(identity: identityPolicy, leaf: leaf)
        var identityOnly = Verifier(rootCertificates: CertificateStore([leaf])) { policy }
        if case .validCertificate = await identityOnly.validate(leaf: leaf, intermediates: CertificateStore()) {
            return nil
        }
        let names = Self.names(in: leaf)
        return JoinError.accessDenied(
            "the certificate presented by the Proxy Service at \(destination) is not valid for "
                + "\(serverNameIsIPAddress ? "the IP address" : "the name") \(serverName); it names "
                + (names.isEmpty ? "nothing usable" : names.joined(separator: ", ")))
    }

    private var identityPolicy: ServerIdentityPolicy {
        serverNameIsIPAddress
            ? ServerIdentityPolicy(serverHostname: nil, serverIP: serverName)
            : ServerIdentityPolicy(serverHostname: serverName, serverIP: nil)
    }

    /// The DNS names and IP addresses a certificate is valid for, for messages.
    static func names(in certificate: Certificate) -> [String] {
        guard let alternatives = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return alternatives.compactMap { name in
            switch name {
            case .dnsName(let dns): return dns
            case .ipAddress(let octets):
                let bytes = Array(octets.bytes)
                if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
                if bytes.count == 16 {
                    return stride(from: 0, to: 16, by: 2)
                        .map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                        .joined(separator: ":")
                }
                return nil
            default: return nil
            }
        }
    }
}

/// The server identity check alone, for a chain made of the leaf only: the leaf's critical
/// extensions are declared handled, since the chain's trust is decided elsewhere (the full
/// verifier, or BoringSSL) and the `Verifier` would otherwise refuse the leaf before asking
/// about its name.
private struct IdentityOnlyPolicy: VerifierPolicy {
    var identity: ServerIdentityPolicy
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier]

    init(identity: ServerIdentityPolicy, leaf: Certificate) {
        self.identity = identity
        verifyingCriticalExtensions = leaf.extensions.filter { $0.critical }.map { $0.oid }
    }

    mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        identity.chainMeetsPolicyRequirements(chain: chain)
    }
}

/// Why one connection's outer TLS certificate was refused, written by the verification
/// callback and read when the handshake fails.
final class VerificationOutcome: Sendable {
    private let refusal = Mutex<JoinError?>(nil)

    func record(_ error: JoinError) { refusal.withLock { $0 = error } }
    var recorded: JoinError? { refusal.withLock { $0 } }
}
