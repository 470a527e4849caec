import Foundation
import JoinCore
import NIOCore
import NIOSSL
import Synchronization
import X509

/// Decides inside the TLS handshake whether the peer may answer as the cluster's server of one
/// role — the Auth server, in every client of it: joiners with pins, heartbeats, bot renewals
/// and re-joins, `tctl`, the Proxy Service's upstream.
///
/// Checking the CA and the name is not enough: every member of the cluster holds a certificate
/// from the same host CA, so a joined Node serving its own `host.crt` with the CA as chain
/// passes both. What a Node's certificate cannot show is the Auth role (and, since the issuer
/// grants it only to serving roles, the serverAuth usage and the cluster-local name), so the
/// role is what decides. The checks, in order: issued by one of the trusted CAs, valid now,
/// not a CA, usable as a TLS server, naming `teleport.cluster.local`, carrying a role claim of
/// the CA's own cluster that holds ``role``.
///
/// Why a handshake was refused is kept in ``failure`` so that callers can say it in words
/// instead of reporting a TLS alert.
final class ClusterServerCheck: Sendable {
    let trustedCAs: [Certificate]
    let role: SystemRole
    let clock: any JoinClock
    private let recorded = Mutex<JoinError?>(nil)

    init(trustedCAs: [Certificate], role: SystemRole = .auth, clock: any JoinClock = SystemClock()) {
        self.trustedCAs = trustedCAs
        self.role = role
        self.clock = clock
    }

    /// Reads the CA certificates a process keeps in PEM (each string may hold several).
    convenience init(trustedCAsPEM: [String], role: SystemRole = .auth, clock: any JoinClock = SystemClock()) throws {
        let certificates = try trustedCAsPEM.flatMap(PEMBundle.split).map { pem -> Certificate in
            do {
                return try Certificate(pemEncoded: pem)
            } catch {
                throw JoinError.badParameter("a trusted CA certificate of this identity is unreadable; join again")
            }
        }
        guard !certificates.isEmpty else {
            throw JoinError.badParameter("this identity holds no CA certificate to check the Auth server with; join again")
        }
        self.init(trustedCAs: certificates, role: role, clock: clock)
    }

    /// Why the last handshake was refused, if it was.
    var failure: JoinError? { recorded.withLock { $0 } }

    /// The verification callback for swift-nio-ssl: succeeds only when ``verify(_:)`` does.
    func callback(_ presented: [NIOSSLCertificate], _ promise: EventLoopPromiseOfVerification) {
        promise.succeed(verdict(presented))
    }

    func verdict(_ presented: [NIOSSLCertificate]) -> NIOSSLVerificationResultWithMetadata {
        do {
            let chain = try presented.map { try Certificate(derEncoded: try $0.toDERBytes()) }
            try verify(chain)
            return .certificateVerified(VerificationMetadata(nil))
        } catch {
            record(error as? JoinError ?? JoinError.accessDenied("the Auth server presented an unreadable certificate"))
            return .failed
        }
    }

    func record(_ error: JoinError) { recorded.withLock { $0 = error } }

    /// Throws `accessDenied`, saying what is wrong, unless `chain` (leaf first) may answer as
    /// ``role``.
    func verify(_ chain: [Certificate]) throws {
        guard let leaf = chain.first else {
            throw JoinError.accessDenied("the server presented no certificate")
        }
        guard let issuer = trustedCAs.first(where: {
            $0.subject == leaf.issuer && $0.publicKey.isValidSignature(leaf.signature, for: leaf)
        }) else {
            throw JoinError.accessDenied("the server's certificate (\(leaf.subject)) was not issued by this cluster's host CA")
        }
        let now = clock.now
        guard leaf.notValidBefore <= now, now <= leaf.notValidAfter else {
            throw JoinError.accessDenied("the server's certificate is not valid at the current time; check the clocks")
        }
        if case .some(.isCertificateAuthority) = try? leaf.extensions.basicConstraints {
            throw JoinError.accessDenied("the server presented a CA certificate as its own")
        }
        guard let claim = CertificateRoleClaim(certificate: leaf) else {
            throw JoinError.accessDenied("the server's certificate carries no cluster role; it is not a cluster member's certificate")
        }
        guard claim.holds(role) else {
            throw JoinError.accessDenied("""
                the server presented a \(claim.roleDescription) certificate of cluster "\(claim.clusterName)": \
                only a certificate with the \(role) role may answer as the \(serverNoun); another cluster member \
                (or someone holding its key) is answering at this address
                """)
        }
        if let issuerCluster = Self.organization(of: issuer), issuerCluster != claim.clusterName {
            throw JoinError.accessDenied("the server's certificate names cluster \"\(claim.clusterName)\", but its CA is cluster \"\(issuerCluster)\"'s")
        }
        guard let usages = try? leaf.extensions.extendedKeyUsage, usages.contains(.serverAuth) else {
            throw JoinError.accessDenied("the server's certificate is not valid for TLS server authentication")
        }
        guard Self.dnsNames(in: leaf).contains(SystemRole.clusterLocalDomain) else {
            throw JoinError.accessDenied("the server's certificate does not name \(SystemRole.clusterLocalDomain)")
        }
    }

    private var serverNoun: String { role == .auth ? "Auth server" : "\(role) service" }

    static func organization(of certificate: Certificate) -> String? {
        certificate.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.organizationName }.flatMap { String($0.value) }
    }

    static func dnsNames(in certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { if case .dnsName(let name) = $0 { return name.lowercased() } else { return nil } }
    }
}

/// The promise swift-nio-ssl hands a custom verification callback.
typealias EventLoopPromiseOfVerification = NIOCore.EventLoopPromise<NIOSSLVerificationResultWithMetadata>
