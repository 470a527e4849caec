import Foundation
import JoinCore
import SwiftASN1
import X509

/// Who a user is, read from a TLS client certificate the user CA issued at sign-in
/// (``UserCertificateIssuer/issueUserLogin(_:hostCA:)``). Only the user CA is trusted here:
/// a host or bot certificate is not a user's, and a user's certificate is never a host's
/// (it has no organization, which ``PeerIdentity`` requires).
public struct UserIdentity: Sendable, Equatable {
    public let name: String
    public let roles: [String]
    public let clusterName: String
    public let notValidAfter: Date

    public static func verify(_ leaf: Certificate, userCAs: [Certificate], now: Date) throws -> UserIdentity {
        let issuers = userCAs.filter { $0.subject == leaf.issuer }
        guard issuers.contains(where: { $0.publicKey.isValidSignature(leaf.signature, for: leaf) }) else {
            throw JoinError.accessDenied("this call needs a user certificate issued by this cluster; sign in with tsh login")
        }
        guard leaf.notValidBefore <= now else {
            throw JoinError.accessDenied("the user certificate is not valid before \(RFC3339.format(leaf.notValidBefore)); check the clocks")
        }
        guard now <= leaf.notValidAfter else {
            throw JoinError.accessDenied("the user certificate expired at \(RFC3339.format(leaf.notValidAfter)); sign in again with tsh login")
        }
        func values(_ oid: ASN1ObjectIdentifier) -> [String] {
            leaf.subject.flatMap { $0 }.filter { $0.type == oid }.compactMap { String($0.value) }
        }
        guard let name = values(CertificateIdentityOIDs.userName).first, !name.isEmpty,
              values(.RDNAttributeType.commonName).first == name,
              let cluster = values(CertificateIdentityOIDs.clusterName).first else {
            throw JoinError.accessDenied("the presented certificate is not a user's certificate; sign in with tsh login")
        }
        return UserIdentity(name: name, roles: values(CertificateIdentityOIDs.userRole), clusterName: cluster,
                            notValidAfter: leaf.notValidAfter)
    }
}
