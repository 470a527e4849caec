import Foundation
import JoinCore
import SwiftASN1
import X509

/// Issues a host's SSH and X.509 certificates from the cluster's host CA, exactly as spec §4.4
/// describes Teleport's `GenerateHostCerts`.
///
/// Host certificates are long-lived: the SSH certificate never expires and the X.509 one
/// lasts ten years, because hosts are re-keyed by CA rotation, not by expiry.
public struct HostCertificateIssuer: Sendable {
    /// How long an X.509 host certificate is valid (Teleport's `defaults.CATTL`).
    public static let tlsCertificateLifetime: TimeInterval = 10 * 365 * 24 * 3600

    public let hostCA: CertificateAuthority

    public init(hostCA: CertificateAuthority) throws {
        guard hostCA.kind == .host else {
            throw JoinError.internalError("host certificates must be issued by the host CA, not the \(hostCA.kind) CA")
        }
        self.hostCA = hostCA
    }

    /// Both certificates, plus the CA material the host needs to trust the cluster.
    public func issue(_ request: HostCertificateRequest) throws -> IssuedCertificates {
        let ssh = try sshCertificate(for: request)
        let tls = try tlsCertificate(for: request)
        return IssuedCertificates(
            tlsCertificateDER: try CertificateAuthority.derBytes(of: tls),
            tlsCACertificatesDER: try hostCA.trustedTLSCertificates.map(CertificateAuthority.derBytes(of:)),
            sshCertificate: ssh.wireBytes,
            sshCAKeys: try hostCA.trustedSSHKeys.map(\.wireBytes))
    }

    /// The SSH host certificate: principals of ``HostCertificateNames/sshPrincipals(for:)``,
    /// `x-teleport-role` and `x-teleport-authority` extensions, empty key ID, valid from a
    /// minute ago forever.
    public func sshCertificate(for request: HostCertificateRequest) throws -> SSHCertificate {
        try validate(request)
        return try hostCA.sshSigner.sign(SSHCertificateTemplate(
            kind: .host,
            publicKey: request.sshPublicKey,
            keyID: "",
            principals: HostCertificateNames.sshPrincipals(for: request),
            validAfter: request.now - CertificateAuthority.clockSkewAllowance,
            validBefore: nil,
            extensions: [
                "x-teleport-role": request.role.rawValue,
                "x-teleport-authority": request.clusterName,
            ]))
    }

    /// The X.509 host certificate: CN `<hostID>.<cluster>`, O = role, the cluster and
    /// system-role attributes, SANs of ``HostCertificateNames/subjectAlternativeNames(for:)``;
    /// usable as a TLS server certificate only for serving roles (Auth, Proxy), as a client
    /// certificate always.
    public func tlsCertificate(for request: HostCertificateRequest) throws -> Certificate {
        try validate(request)
        let publicKey = request.tlsPublicKey.key
        return try hostCA.signLeafCertificate(
            subject: try Self.subject(for: request),
            publicKey: publicKey,
            notValidBefore: request.now - CertificateAuthority.clockSkewAllowance,
            notValidAfter: request.now + Self.tlsCertificateLifetime,
            extendedKeyUsage: HostCertificateNames.isServing(request) ? [.serverAuth, .clientAuth] : [.clientAuth],
            subjectAlternativeNames: HostCertificateNames.subjectAlternativeNames(for: request))
    }

    static func subject(for request: HostCertificateRequest) throws -> DistinguishedName {
        var names: [RelativeDistinguishedName] = [
            RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: request.role.rawValue)),
            RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: "\(request.hostID).\(request.clusterName)")),
            RelativeDistinguishedName(.init(type: CertificateIdentityOIDs.clusterName, utf8String: request.clusterName)),
        ]
        for role in request.systemRoles {
            names.append(RelativeDistinguishedName(.init(type: CertificateIdentityOIDs.systemRole, utf8String: role.rawValue)))
        }
        return DistinguishedName(names)
    }

    private func validate(_ request: HostCertificateRequest) throws {
        guard !request.hostID.isEmpty else {
            throw JoinError.badParameter("cannot issue a host certificate without a host ID")
        }
        guard !request.hostID.contains(where: { $0.isWhitespace || $0 == "," }) else {
            throw JoinError.badParameter("host ID \"\(request.hostID.prefix(64))\" must not contain spaces or commas")
        }
        guard request.clusterName == hostCA.clusterName else {
            throw JoinError.badParameter(
                "cannot issue a certificate for cluster \"\(request.clusterName)\" from the host CA of cluster \"\(hostCA.clusterName)\"")
        }
        let requested = request.additionalPrincipals + request.dnsNames
        if let claimed = requested.first(where: SystemRole.isClusterLocalName) {
            throw JoinError.badParameter(
                "the name \"\(UntrustedString.sanitize(String(claimed.prefix(253))))\" is reserved for the cluster's own servers and cannot be requested; remove it from additional_principals / dns_names")
        }
        if request.role == .instance && request.systemRoles.isEmpty {
            throw JoinError.badParameter("cannot generate instance cert with no system roles")
        }
    }
}
