import Foundation
import JoinCore
import SwiftASN1
import X509

/// Who a TLS peer is, read from a certificate this cluster issued.
///
/// The Auth server authenticates mTLS callers (tctl's Admin identity, heartbeating hosts,
/// bots) by verifying the presented leaf against its own CA certificates and then trusting
/// the names in it. Verification is deliberately narrow: the leaf must be issued directly by
/// one of the trusted CAs, because Joinery never issues intermediates.
public struct PeerIdentity: Sendable, Equatable {
    /// Bot details carried by certificates from ``UserCertificateIssuer``.
    public struct Bot: Sendable, Equatable {
        public let name: String
        public let instanceID: String
        public let generation: UInt64
        /// Whether the certificate may be renewed without joining again.
        public let renewable: Bool

        public init(name: String, instanceID: String, generation: UInt64, renewable: Bool = false) {
            self.name = name
            self.instanceID = instanceID
            self.generation = generation
            self.renewable = renewable
        }
    }

    /// The subject common name as written (`<hostID>.<cluster>` or `bot-<name>`).
    public let commonName: String
    /// The host ID: the common name without its `.<cluster>` suffix.
    public let hostID: String
    public let clusterName: String
    /// The role the certificate was issued for (its O).
    public let role: SystemRole
    /// The system roles of a multi-role Instance certificate.
    public let systemRoles: [SystemRole]
    /// Present for bot certificates.
    public let bot: Bot?
    /// On Admin certificates the Auth server writes for tctl: the server run they belong to
    /// (see ``AdminGenerationCheck``).
    public let adminRun: AuthServerRun?

    /// Verifies `leaf` against `trustedCAs` at `now` and reads the identity in it. Throws
    /// `accessDenied` when the certificate was not issued by one of the CAs, is not valid at
    /// `now`, or does not carry a cluster identity.
    public static func verify(_ leaf: Certificate, trustedCAs: [Certificate], now: Date) throws -> PeerIdentity {
        let issuers = trustedCAs.filter { $0.subject == leaf.issuer }
        guard issuers.contains(where: { $0.publicKey.isValidSignature(leaf.signature, for: leaf) }) else {
            throw JoinError.accessDenied("the presented certificate was not issued by this cluster's certificate authority")
        }
        guard leaf.notValidBefore <= now else {
            throw JoinError.accessDenied("the presented certificate is not valid before \(leaf.notValidBefore); check the clocks")
        }
        guard now <= leaf.notValidAfter else {
            if (try? PeerIdentity(subject: leaf.subject))?.role == .admin {
                throw JoinError.accessDenied(AdminIdentityRefusal.expired(at: leaf.notValidAfter))
            }
            throw expired(at: leaf.notValidAfter)
        }
        if case .some(.isCertificateAuthority) = try? leaf.extensions.basicConstraints {
            throw JoinError.accessDenied("a CA certificate cannot be used as a client identity")
        }
        return try PeerIdentity(subject: leaf.subject)
    }

    /// The refusal of a host or bot certificate that expired at `date`.
    static func expired(at date: Date) -> JoinError {
        JoinError.accessDenied("the presented certificate expired at \(date); join again to get a new one")
    }

    /// Reads the identity from a subject written by ``HostCertificateIssuer`` or
    /// ``UserCertificateIssuer``.
    package init(subject: DistinguishedName) throws {
        func values(_ oid: ASN1ObjectIdentifier) -> [String] {
            subject.flatMap { $0 }.filter { $0.type == oid }.compactMap { String($0.value) }
        }
        guard let commonName = values(.RDNAttributeType.commonName).first, !commonName.isEmpty else {
            throw JoinError.accessDenied("the presented certificate has no common name")
        }
        guard let clusterName = values(CertificateIdentityOIDs.clusterName).first else {
            throw JoinError.accessDenied("the presented certificate names no cluster")
        }
        guard let roleName = values(.RDNAttributeType.organizationName).first,
              let role = try? SystemRole(parsing: roleName) else {
            throw JoinError.accessDenied("the presented certificate carries no known system role")
        }
        let suffix = "." + clusterName
        self.commonName = commonName
        self.hostID = commonName.hasSuffix(suffix) ? String(commonName.dropLast(suffix.count)) : commonName
        self.clusterName = clusterName
        self.role = role
        self.systemRoles = values(CertificateIdentityOIDs.systemRole).compactMap { try? SystemRole(parsing: $0) }
        if let name = values(CertificateIdentityOIDs.botName).first {
            bot = Bot(
                name: name,
                instanceID: values(CertificateIdentityOIDs.botInstanceID).first ?? "",
                generation: values(CertificateIdentityOIDs.botGeneration).first.flatMap { UInt64($0) } ?? 0,
                renewable: values(CertificateIdentityOIDs.botRenewable).first == "true")
        } else {
            bot = nil
        }
        if let serverID = values(CertificateIdentityOIDs.adminServerID).first,
           let generation = values(CertificateIdentityOIDs.adminGeneration).first {
            adminRun = AuthServerRun(serverID: serverID, generation: generation)
        } else {
            adminRun = nil
        }
    }
}
