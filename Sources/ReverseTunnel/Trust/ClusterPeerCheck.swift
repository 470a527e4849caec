import Foundation
import JoinCore
import Transport
import X509

/// Decides, inside the inner TLS handshake of a server-access route, whether the peer is who
/// that end of the route must be, and reads who it is.
///
/// There are three ends, and the CA alone tells none of them apart: the cluster's host and user
/// CAs carry the *same* subject, and every member of the cluster holds a certificate from the
/// host CA. So each requirement names the CA that must have *signed* the leaf (checked by
/// signature, never by issuer name) and what the leaf must claim:
/// - ``Requirement/proxyServer``: what a node's agent and `tsh` accept as the Proxy Service —
///   the host CA, the Proxy role of the CA's own cluster, serverAuth. A Node's certificate
///   served by an impostor fails here, before a byte of the session is sent.
/// - ``Requirement/tunnellingHost``: what the proxy accepts on a reverse tunnel — the host CA,
///   the Node role (or an Instance covering it), clientAuth. The host ID is read from the
///   verified common name, `<host_id>.<cluster>`; nothing the node says can change it.
/// - ``Requirement/user``: what the proxy accepts on the SSH route — the *user* CA, clientAuth,
///   and a common name (the user). A host certificate is refused here: hosts reach nodes only
///   through their own tunnels, never as users.
///
/// Joinery issues no intermediates, so the leaf must be signed directly by a trusted CA.
struct ClusterPeerCheck: Sendable {
    enum Requirement: Sendable {
        case proxyServer, tunnellingHost, user
    }

    /// Who a verified peer is.
    struct Peer: Sendable, Equatable {
        /// The host ID (hosts) or the user name (users).
        let name: String
        let clusterName: String
        /// The role the certificate claims (its O), e.g. `Node`, `Proxy`, `Bot`; nil when none.
        let role: String?
    }

    let trustedCAs: [Certificate]
    let requirement: Requirement
    let clock: any JoinClock

    init(trustedCAs: [Certificate], requirement: Requirement, clock: any JoinClock = SystemClock()) {
        self.trustedCAs = trustedCAs
        self.requirement = requirement
        self.clock = clock
    }

    /// Reads the CA certificates from PEM (each string may hold several).
    init(trustedCAsPEM: [String], requirement: Requirement, clock: any JoinClock = SystemClock()) throws {
        let certificates = try ClusterPeerCheck.certificates(fromPEM: trustedCAsPEM)
        guard !certificates.isEmpty else {
            throw JoinError.badParameter("no \(requirement.caNoun) certificate was given to check the \(requirement.peerNoun) with")
        }
        self.init(trustedCAs: certificates, requirement: requirement, clock: clock)
    }

    static func certificates(fromPEM texts: [String]) throws -> [Certificate] {
        try texts.flatMap(PEMBundle.split).map { pem in
            do {
                return try Certificate(pemEncoded: pem)
            } catch {
                throw JoinError.badParameter("a CA certificate is unreadable: \(error)")
            }
        }
    }

    /// Throws `accessDenied`, saying what is wrong, unless `chain` (leaf first) meets
    /// ``requirement``; returns who the peer is.
    func verify(_ chain: [Certificate]) throws -> Peer {
        guard let leaf = chain.first else {
            throw JoinError.accessDenied("the \(requirement.peerNoun) presented no certificate")
        }
        guard let issuer = trustedCAs.first(where: { $0.publicKey.isValidSignature(leaf.signature, for: leaf) }) else {
            throw JoinError.accessDenied("the \(requirement.peerNoun)'s certificate (\(leaf.subject)) was not issued by this cluster's \(requirement.caNoun)")
        }
        let now = clock.now
        guard leaf.notValidBefore <= now else {
            throw JoinError.accessDenied("the \(requirement.peerNoun)'s certificate is not valid before \(leaf.notValidBefore); check the clocks")
        }
        guard now <= leaf.notValidAfter else {
            throw JoinError.accessDenied("the \(requirement.peerNoun)'s certificate expired at \(leaf.notValidAfter)")
        }
        if case .some(.isCertificateAuthority) = try? leaf.extensions.basicConstraints {
            throw JoinError.accessDenied("the \(requirement.peerNoun) presented a CA certificate as its own")
        }
        let caCluster = Self.first(in: issuer.subject) { $0.type == .RDNAttributeType.organizationName } ?? ""
        let claimedCluster = Self.first(in: leaf.subject) { $0.type == CertificateIdentityOIDs.clusterName }
        if let claimedCluster, claimedCluster != caCluster {
            throw JoinError.accessDenied("the \(requirement.peerNoun)'s certificate names cluster \"\(claimedCluster)\", but its CA is cluster \"\(caCluster)\"'s")
        }
        let commonName = Self.first(in: leaf.subject) { $0.type == .RDNAttributeType.commonName } ?? ""
        let roleName = Self.first(in: leaf.subject) { $0.type == .RDNAttributeType.organizationName }
        switch requirement {
        case .proxyServer: try requireRole(.proxy, of: leaf)
        case .tunnellingHost: try requireRole(.node, of: leaf)
        case .user: break
        }
        // After the role, which says more: only serving roles get serverAuth.
        guard let usages = try? leaf.extensions.extendedKeyUsage, usages.contains(requirement.usage) else {
            throw JoinError.accessDenied("the \(requirement.peerNoun)'s certificate is not valid for TLS \(requirement.usage == .serverAuth ? "server" : "client") authentication")
        }
        switch requirement {
        case .proxyServer:
            return Peer(name: Self.hostID(commonName, cluster: caCluster) ?? commonName, clusterName: caCluster, role: roleName)
        case .tunnellingHost:
            guard let hostID = Self.hostID(commonName, cluster: caCluster) else {
                throw JoinError.accessDenied("the node's certificate names \"\(commonName)\", not <host_id>.\(caCluster)")
            }
            return Peer(name: hostID, clusterName: caCluster, role: roleName)
        case .user:
            guard !commonName.isEmpty else {
                throw JoinError.accessDenied("the user's certificate names no user (its common name is empty)")
            }
            // A user's certificate names the user under its own OID and has no organization;
            // a bot's (also from the user CA) has O=Bot and is not a user's.
            let userName = Self.first(in: leaf.subject) { $0.type == CertificateIdentityOIDs.userName }
            guard roleName == nil, userName == commonName else {
                throw JoinError.accessDenied("the presented certificate is not a user's (a bot's or a host's certificate cannot open SSH sessions)")
            }
            return Peer(name: commonName, clusterName: caCluster, role: roleName)
        }
    }

    private func requireRole(_ role: SystemRole, of leaf: Certificate) throws {
        guard let claim = CertificateRoleClaim(certificate: leaf) else {
            throw JoinError.accessDenied("the \(requirement.peerNoun)'s certificate carries no cluster role")
        }
        guard claim.holds(role) else {
            throw JoinError.accessDenied("""
                the \(requirement.peerNoun) presented a \(claim.roleDescription) certificate of cluster "\(claim.clusterName)": \
                only a certificate with the \(role) role may act as the \(requirement.peerNoun)
                """)
        }
    }

    /// `node-1` of `node-1.example.com` when the cluster is `example.com`.
    static func hostID(_ commonName: String, cluster: String) -> String? {
        let suffix = "." + cluster
        guard commonName.hasSuffix(suffix), commonName.count > suffix.count else { return nil }
        return String(commonName.dropLast(suffix.count))
    }

    /// The first attribute of `name` that `matches`, as text.
    static func first(in name: DistinguishedName, where matches: (RelativeDistinguishedName.Attribute) -> Bool) -> String? {
        name.flatMap { $0 }.first(where: matches).flatMap { String($0.value) }
    }
}

extension ClusterPeerCheck.Requirement {
    var peerNoun: String {
        switch self {
        case .proxyServer: "Proxy Service"
        case .tunnellingHost: "node"
        case .user: "user"
        }
    }

    var caNoun: String { self == .user ? "user CA" : "host CA" }

    var usage: ExtendedKeyUsage.Usage { self == .proxyServer ? .serverAuth : .clientAuth }
}
