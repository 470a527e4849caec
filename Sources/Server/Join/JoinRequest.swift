import Foundation
import JoinCore
import JoineryProto

/// A checked `ClientInit`: every field the pipeline relies on is present, bounded and parsed.
package struct JoinRequest: Sendable {
    enum Subject: Sendable {
        case host(nodeName: String, additionalPrincipals: [String], dnsNames: [String])
        case bot(requestedExpiry: Date?)
    }

    static let maximumNameLength = 253
    static let maximumPrincipals = 64

    let tokenName: String
    let requestedMethod: String
    let role: SystemRole
    let subject: Subject
    let sshPublicKey: Data
    let tlsPublicKey: Data
    let methodPayload: Data
    let clientVersion: String

    /// The binding of the keys this request asks to have certified, which methods with a live
    /// proof check their client's proof against (see ``KeyBinding``).
    var keyBinding: KeyBinding { KeyBinding(sshPublicKey: sshPublicKey, tlsPublicKey: tlsPublicKey) }

    /// A name safe to log for this request's node or bot.
    var displayName: String {
        switch subject {
        case .host(let nodeName, _, _): return UntrustedString.sanitize(nodeName)
        case .bot: return ""
        }
    }

    package init(_ message: Joinery_V1_ClientInit) throws {
        guard !message.tokenName.isEmpty else { throw JoinError.badParameter("TokenName is required") }
        guard message.tokenName.utf8.count <= 1024 else { throw JoinError.tokenExpiredOrNotFound }
        guard !message.systemRole.isEmpty else { throw JoinError.badParameter("SystemRole is required") }
        tokenName = message.tokenName
        guard message.joinMethod.utf8.count <= 64 else { throw JoinError.badParameter("join method name is too long") }
        requestedMethod = message.joinMethod
        role = try SystemRole(parsing: message.systemRole)
        methodPayload = message.methodPayload
        clientVersion = UntrustedString.sanitize(message.clientVersion)

        switch message.params {
        case .hostParams(let host)?:
            guard role != .bot else {
                throw JoinError.badParameter("role Bot requires bot parameters, not host parameters")
            }
            let nodeName = host.hostName
            guard !nodeName.isEmpty else { throw JoinError.badParameter("host_name is required") }
            try JoinRequest.checkName(nodeName, field: "host_name")
            guard host.additionalPrincipals.count <= JoinRequest.maximumPrincipals,
                  host.dnsNames.count <= JoinRequest.maximumPrincipals else {
                throw JoinError.badParameter("at most \(JoinRequest.maximumPrincipals) additional principals and DNS names may be requested")
            }
            for principal in host.additionalPrincipals { try JoinRequest.checkName(principal, field: "additional_principals") }
            for name in host.dnsNames { try JoinRequest.checkName(name, field: "dns_names") }
            subject = .host(nodeName: nodeName, additionalPrincipals: host.additionalPrincipals, dnsNames: host.dnsNames)
            sshPublicKey = host.publicKeys.publicSshKey
            tlsPublicKey = host.publicKeys.publicTlsKey
        case .botParams(let bot)?:
            guard role == .bot else {
                throw JoinError.badParameter("bot parameters are only accepted with role Bot")
            }
            subject = .bot(requestedExpiry: bot.expiresUnix > 0 ? Date(timeIntervalSince1970: TimeInterval(bot.expiresUnix)) : nil)
            sshPublicKey = bot.publicKeys.publicSshKey
            tlsPublicKey = bot.publicKeys.publicTlsKey
        case nil:
            throw JoinError.badParameter("ClientInit must carry host or bot parameters")
        }
        try JoinRequest.checkPublicKeys(ssh: sshPublicKey, tls: tlsPublicKey)
    }

    /// Both keys must parse before any state changes: a join that fails only when signing
    /// would already have spent a single-use token or a recovery.
    static func checkPublicKeys(ssh: Data, tls: Data) throws {
        guard !ssh.isEmpty, !tls.isEmpty else {
            throw JoinError.badParameter("both public_tls_key and public_ssh_key are required")
        }
        guard (try? SSHPublicKey(wireBytes: ssh)) != nil else {
            throw JoinError.badParameter("public_ssh_key is not an SSH public key of a supported type (ssh-ed25519, ecdsa-sha2-nistp256)")
        }
        guard (try? SubjectTLSPublicKey.parse(Array(tls))) != nil else {
            throw JoinError.badParameter("public_tls_key is not a DER SubjectPublicKeyInfo of an ECDSA P-256 or Ed25519 key")
        }
    }

    /// Names become certificate principals: printable ASCII without spaces, bounded.
    private static func checkName(_ name: String, field: String) throws {
        guard !name.isEmpty, name.utf8.count <= maximumNameLength,
              name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7f }) else {
            throw JoinError.badParameter("\(field) must be 1 to \(maximumNameLength) printable ASCII characters without spaces")
        }
    }
}
