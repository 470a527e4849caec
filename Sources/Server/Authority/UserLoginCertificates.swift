import Foundation
import JoinCore
import X509

/// What the Auth server certifies when a user signs in (`tsh login`).
public struct UserLoginCertificateRequest: Sendable {
    public var user: String
    public var roles: [String]
    /// The logins the user's roles allow: the SSH certificate's principals.
    public var logins: [String]
    public var sshPublicKey: SSHPublicKey
    public var tlsPublicKey: SubjectTLSPublicKey
    public var notAfter: Date
    public var now: Date

    public init(user: String, roles: [String], logins: [String], sshPublicKey: SSHPublicKey,
                tlsPublicKey: SubjectTLSPublicKey, notAfter: Date, now: Date) {
        self.user = user
        self.roles = roles
        self.logins = logins
        self.sshPublicKey = sshPublicKey
        self.tlsPublicKey = tlsPublicKey
        self.notAfter = notAfter
        self.now = now
    }

    /// The principal written when a user has no login at all: an SSH certificate without
    /// principals is valid for *every* login in OpenSSH, so it never goes out empty (Teleport
    /// does the same with its `-teleport-nologin-` principal).
    static func noLoginPrincipal() -> String { "-teleport-nologin-" + UUID().uuidString.lowercased() }
}

extension UserCertificateIssuer {
    /// A user's SSH and TLS certificates. SSH: key ID the user, principals the logins, the
    /// `permit-*` extensions and `teleport-roles` (Teleport's JSON, `{"version":"v1","roles":[…]}`).
    /// TLS: CN the user, the cluster, the user's name and each role under Joinery's OIDs
    /// (``CertificateIdentityOIDs/userName``), no organization, client authentication only.
    /// The returned CAs are the host CA's (TLS and SSH), which is what a user's client checks
    /// the Proxy Service and nodes against.
    public func issueUserLogin(_ request: UserLoginCertificateRequest, hostCA: CertificateAuthority) throws -> IssuedCertificates {
        guard request.notAfter > request.now else {
            throw JoinError.internalError("a user certificate must expire after it is issued")
        }
        var extensions = Dictionary(uniqueKeysWithValues: Self.standardSSHExtensions.map { ($0, "") })
        extensions["teleport-roles"] = try Self.rolesExtension(request.roles)
        let principals = request.logins.isEmpty ? [UserLoginCertificateRequest.noLoginPrincipal()] : request.logins
        let ssh = try userCA.sshSigner.sign(SSHCertificateTemplate(
            kind: .user, publicKey: request.sshPublicKey, keyID: request.user, principals: principals,
            validAfter: request.now - CertificateAuthority.clockSkewAllowance, validBefore: request.notAfter,
            extensions: extensions))
        let subject = DistinguishedName(
            [RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: request.user)),
             RelativeDistinguishedName(.init(type: CertificateIdentityOIDs.clusterName, utf8String: userCA.clusterName)),
             RelativeDistinguishedName(.init(type: CertificateIdentityOIDs.userName, utf8String: request.user))]
            + (try request.roles.map { RelativeDistinguishedName(try .init(type: CertificateIdentityOIDs.userRole, utf8String: $0)) }))
        let tls = try userCA.signLeafCertificate(
            subject: subject, publicKey: request.tlsPublicKey.key,
            notValidBefore: request.now - CertificateAuthority.clockSkewAllowance, notValidAfter: request.notAfter,
            extendedKeyUsage: [.clientAuth], subjectAlternativeNames: [])
        return IssuedCertificates(
            tlsCertificateDER: try CertificateAuthority.derBytes(of: tls),
            tlsCACertificatesDER: try hostCA.trustedTLSCertificates.map(CertificateAuthority.derBytes(of:)),
            sshCertificate: ssh.wireBytes,
            sshCAKeys: try hostCA.trustedSSHKeys.map(\.wireBytes))
    }

    /// `teleport-roles` as Teleport writes it.
    static func rolesExtension(_ roles: [String]) throws -> String {
        struct Roles: Encodable { var version = "v1"; var roles: [String] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(Roles(roles: roles)), as: UTF8.self)
    }
}
