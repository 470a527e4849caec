import Crypto
import Foundation
import JoinCore
import Logging
import X509

/// The cluster's certificate authorities as the running Auth server uses them: loaded from the
/// backend, created there on first start, and wrapped with the issuers for host and bot
/// certificates.
///
/// CAs are created with the backend's `create`, so when several Auth servers start on one
/// empty database exactly one set wins and every server uses it.
public struct ClusterAuthorities: Sendable {
    static let keyPrefix = "/authorities/"

    public let clusterName: String
    public let host: CertificateAuthority
    public let user: CertificateAuthority
    /// The bound-keypair CA: signs and verifies join-state documents.
    public let jwt: JWTAuthority
    let hostIssuer: HostCertificateIssuer
    let userIssuer: UserCertificateIssuer

    init(clusterName: String, host: CertificateAuthority, user: CertificateAuthority, jwt: JWTAuthority) throws {
        self.clusterName = clusterName
        self.host = host
        self.user = user
        self.jwt = jwt
        self.hostIssuer = try HostCertificateIssuer(hostCA: host)
        self.userIssuer = try UserCertificateIssuer(userCA: user)
    }

    /// Loads the host and user CAs, creating any that do not exist yet.
    public static func loadOrCreate(backend: any Backend, clusterName: String, clock: any JoinClock,
                                    logger: Logger) async throws -> ClusterAuthorities {
        var loaded: [CertificateAuthority.Kind: CertificateAuthority] = [:]
        for kind in [CertificateAuthority.Kind.host, .user] {
            let key = keyPrefix + kind.rawValue
            if let item = try await backend.get(key) {
                loaded[kind] = try CertificateAuthority(json: item.value)
                continue
            }
            let fresh = try CertificateAuthority.generate(kind: kind, clusterName: clusterName, now: clock.now)
            do {
                _ = try await backend.create(key, value: try fresh.encodedJSON(), expires: nil)
                logger.info("created the cluster's \(kind.rawValue) certificate authority", metadata: ["cluster": "\(clusterName)"])
                loaded[kind] = fresh
            } catch let error as JoinError where error.kind == .alreadyExists {
                // Another Auth server created it first: use theirs.
                guard let item = try await backend.get(key) else { throw error }
                loaded[kind] = try CertificateAuthority(json: item.value)
            }
        }
        let host = loaded[.host]!, user = loaded[.user]!
        for authority in [host, user] where authority.clusterName != clusterName {
            throw JoinError.badParameter(
                "the stored certificate authorities belong to cluster \"\(authority.clusterName)\", but auth_service.cluster_name is \"\(clusterName)\"; " +
                "the cluster name cannot change once the CAs exist")
        }
        let jwt = try await loadOrCreateJWTAuthority(backend: backend, clusterName: clusterName, logger: logger)
        guard jwt.clusterName == clusterName else {
            throw JoinError.badParameter(
                "the stored bound-keypair CA belongs to cluster \"\(jwt.clusterName)\", but auth_service.cluster_name is \"\(clusterName)\"")
        }
        return try ClusterAuthorities(clusterName: clusterName, host: host, user: user, jwt: jwt)
    }

    private static func loadOrCreateJWTAuthority(backend: any Backend, clusterName: String, logger: Logger) async throws -> JWTAuthority {
        let key = keyPrefix + "bound_keypair"
        if let item = try await backend.get(key) { return try JWTAuthority(json: item.value) }
        let fresh = JWTAuthority.generate(clusterName: clusterName)
        do {
            _ = try await backend.create(key, value: try fresh.encodedJSON(), expires: nil)
            logger.info("created the cluster's bound_keypair certificate authority", metadata: ["cluster": "\(clusterName)"])
            return fresh
        } catch let error as JoinError where error.kind == .alreadyExists {
            guard let item = try await backend.get(key) else { throw error }
            return try JWTAuthority(json: item.value)
        }
    }

    /// The host CA's TLS certificates as one PEM bundle, for `GetClusterCACert`.
    public var hostCATLSCertificatesPEM: String {
        host.trustedTLSCertificates.compactMap { try? $0.serializeAsPEM().pemString + "\n" }.joined()
    }

    /// The pins of every trusted host CA certificate.
    public var hostCAPins: [String] {
        host.trustedTLSCertificates.compactMap { try? CAPin(certificate: $0).description }
    }

    /// One row per CA for `tctl status`.
    public var statuses: [CertificateAuthorityStatus] {
        [Self.status(of: host, pins: hostCAPins), Self.status(of: user, pins: []),
         CertificateAuthorityStatus(type: "bound_keypair", rotation: "never updated", pins: [], sshPublicKeys: [],
                                    tlsCertificatesPEM: [])]
    }

    private static func status(of authority: CertificateAuthority, pins: [String]) -> CertificateAuthorityStatus {
        CertificateAuthorityStatus(
            type: authority.kind.rawValue, rotation: "never updated", pins: pins,
            sshPublicKeys: ((try? authority.trustedSSHKeys) ?? []).map(\.authorizedKey),
            tlsCertificatesPEM: authority.trustedTLSCertificates.compactMap { try? $0.serializeAsPEM().pemString + "\n" })
    }

    func issueHostCertificates(_ request: HostIdentityRequest) throws -> IssuedCertificates {
        try hostIssuer.issue(HostCertificateRequest(
            hostID: request.hostID, nodeName: request.nodeName, clusterName: clusterName, role: request.role,
            systemRoles: request.systemRoles, sshPublicKey: request.keys.ssh,
            tlsPublicKey: request.keys.tls, additionalPrincipals: request.additionalPrincipals,
            dnsNames: request.dnsNames, remoteHost: request.remoteHost, now: request.now))
    }

    func issueBotCertificates(_ request: BotIdentityRequest) throws -> IssuedCertificates {
        try userIssuer.issue(BotCertificateRequest(
            botName: request.botName, botInstanceID: request.instanceID, generation: request.generation,
            sshPublicKey: request.keys.ssh,
            tlsPublicKey: request.keys.tls, ttl: request.ttl, renewable: request.renewable,
            now: request.now), serverCAs: host.trustedTLSCertificates)
    }

    /// The verified identity behind a client certificate (chains to the host or user CA).
    public func authenticate(_ certificate: Certificate, now: Date) throws -> PeerIdentity {
        try PeerIdentity.verify(certificate, trustedCAs: host.trustedTLSCertificates + user.trustedTLSCertificates, now: now)
    }
}

/// A CA's line in `tctl status`.
public struct CertificateAuthorityStatus: Sendable, Equatable {
    public var type: String
    public var rotation: String
    public var pins: [String]
    public var sshPublicKeys: [String]
    public var tlsCertificatesPEM: [String]
}

/// What the pipeline asks of the host CA for one join.
struct HostIdentityRequest: Sendable {
    var hostID: String
    var nodeName: String
    var role: SystemRole
    var systemRoles: [SystemRole]
    var keys: JoinerPublicKeys
    var additionalPrincipals: [String]
    var dnsNames: [String]
    var remoteHost: String
    var now: Date
}

/// What the pipeline asks of the user CA for one bot join or renewal.
struct BotIdentityRequest: Sendable {
    var botName: String
    var instanceID: String
    var generation: UInt64
    var keys: JoinerPublicKeys
    /// Already checked with ``UserCertificateIssuer/effectiveTTL(_:)``.
    var ttl: TimeInterval
    var renewable: Bool
    var now: Date
}
