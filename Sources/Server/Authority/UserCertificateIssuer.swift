import Foundation
import JoinCore
import SwiftASN1
import X509

/// What the Auth server knows about a bot when it issues the bot's certificates.
public struct BotCertificateRequest: Sendable {
    /// The bot's name; the certificates are for user `bot-<name>`.
    public var botName: String
    /// The bot instance this join created or renewed.
    public var botInstanceID: String
    /// The instance's certificate generation after this join (spec §8.7).
    public var generation: UInt64
    public var sshPublicKey: SSHPublicKey
    /// The key the X.509 certificate is for: ECDSA P-256 or Ed25519, already parsed.
    public var tlsPublicKey: SubjectTLSPublicKey
    /// Requested lifetime; `nil` means ``UserCertificateIssuer/defaultTTL``, and anything
    /// above ``UserCertificateIssuer/maximumTTL`` is cut down to it.
    public var ttl: TimeInterval?
    /// Whether the bot may renew these certificates without joining again.
    public var renewable: Bool
    public var now: Date

    public init(
        botName: String, botInstanceID: String, generation: UInt64, sshPublicKey: SSHPublicKey,
        tlsPublicKey: SubjectTLSPublicKey, ttl: TimeInterval? = nil, renewable: Bool = false, now: Date
    ) {
        self.botName = botName
        self.botInstanceID = botInstanceID
        self.generation = generation
        self.sshPublicKey = sshPublicKey
        self.tlsPublicKey = tlsPublicKey
        self.ttl = ttl
        self.renewable = renewable
        self.now = now
    }

    /// `bot-<name>`: the user a bot's certificates are for.
    public var userName: String { "bot-\(botName)" }
}

/// Issues a bot's short-lived *user* certificates from the cluster's user CA (spec §4.4, end).
///
/// SSH: a user certificate for `bot-<name>` (key ID and sole principal), the standard
/// `permit-*` extensions that `ssh-keygen` grants by default, and `teleport-bot-name`,
/// `teleport-bot-instance-id`, `teleport-bot-generation`. X.509: CN `bot-<name>`, O `Bot`,
/// the cluster attribute and the bot attributes of ``CertificateIdentityOIDs``, client
/// authentication only. Both valid from a minute ago until `now + ttl`.
public struct UserCertificateIssuer: Sendable {
    public static let defaultTTL: TimeInterval = 3600
    public static let maximumTTL: TimeInterval = 24 * 3600
    /// The extensions `ssh-keygen -s` grants a user certificate unless told otherwise.
    public static let standardSSHExtensions = [
        "permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc",
    ]

    public let userCA: CertificateAuthority

    public init(userCA: CertificateAuthority) throws {
        guard userCA.kind == .user else {
            throw JoinError.internalError("bot certificates must be issued by the user CA, not the \(userCA.kind) CA")
        }
        self.userCA = userCA
    }

    /// The lifetime a request gets: the default when none was asked for, capped at the maximum.
    public static func effectiveTTL(_ requested: TimeInterval?) throws -> TimeInterval {
        guard let requested else { return defaultTTL }
        guard requested > 0 else {
            throw JoinError.badParameter("the requested bot certificate lifetime must be positive, got \(Int(requested)) s")
        }
        return min(requested, maximumTTL)
    }

    /// Issues both certificates. `serverCAs` (the host CA's certificates) are returned with the
    /// user CA's so the bot can verify the Auth server it renews with.
    public func issue(_ request: BotCertificateRequest, serverCAs: [Certificate] = []) throws -> IssuedCertificates {
        let ssh = try sshCertificate(for: request)
        let tls = try tlsCertificate(for: request)
        return IssuedCertificates(
            tlsCertificateDER: try CertificateAuthority.derBytes(of: tls),
            tlsCACertificatesDER: try (userCA.trustedTLSCertificates + serverCAs).map(CertificateAuthority.derBytes(of:)),
            sshCertificate: ssh.wireBytes,
            sshCAKeys: try userCA.trustedSSHKeys.map(\.wireBytes))
    }

    public func sshCertificate(for request: BotCertificateRequest) throws -> SSHCertificate {
        try validate(request)
        var extensions = Dictionary(uniqueKeysWithValues: Self.standardSSHExtensions.map { ($0, "") })
        extensions["teleport-bot-name"] = request.botName
        extensions["teleport-bot-instance-id"] = request.botInstanceID
        extensions["teleport-bot-generation"] = String(request.generation)
        if request.renewable { extensions["teleport-bot-renewable"] = "" }
        return try userCA.sshSigner.sign(SSHCertificateTemplate(
            kind: .user,
            publicKey: request.sshPublicKey,
            keyID: request.userName,
            principals: [request.userName],
            validAfter: request.now - CertificateAuthority.clockSkewAllowance,
            validBefore: request.now + (try Self.effectiveTTL(request.ttl)),
            extensions: extensions))
    }

    public func tlsCertificate(for request: BotCertificateRequest) throws -> Certificate {
        try validate(request)
        let publicKey = request.tlsPublicKey.key
        let subject = DistinguishedName([
            RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: SystemRole.bot.rawValue)),
            RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: request.userName)),
            RelativeDistinguishedName(.init(type: CertificateIdentityOIDs.clusterName, utf8String: userCA.clusterName)),
            RelativeDistinguishedName(.init(type: CertificateIdentityOIDs.botName, utf8String: request.botName)),
            RelativeDistinguishedName(.init(type: CertificateIdentityOIDs.botInstanceID, utf8String: request.botInstanceID)),
            RelativeDistinguishedName(.init(type: CertificateIdentityOIDs.botGeneration, utf8String: String(request.generation))),
        ] + (request.renewable
            ? [RelativeDistinguishedName(.init(type: CertificateIdentityOIDs.botRenewable, utf8String: "true"))] : []))
        return try userCA.signLeafCertificate(
            subject: subject,
            publicKey: publicKey,
            notValidBefore: request.now - CertificateAuthority.clockSkewAllowance,
            notValidAfter: request.now + (try Self.effectiveTTL(request.ttl)),
            extendedKeyUsage: [.clientAuth],
            subjectAlternativeNames: [])
    }

    private func validate(_ request: BotCertificateRequest) throws {
        guard !request.botName.isEmpty else {
            throw JoinError.badParameter("cannot issue bot certificates without a bot name")
        }
        guard !request.botName.contains(where: { $0.isWhitespace || $0 == "," }) else {
            throw JoinError.badParameter("bot name \"\(request.botName.prefix(64))\" must not contain spaces or commas")
        }
    }
}
