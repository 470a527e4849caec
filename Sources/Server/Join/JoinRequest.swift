import Foundation
import JoinCore
import JoineryProto

/// A checked `ClientInit`: every field the pipeline relies on is present, bounded and parsed.
package struct JoinRequest: Sendable {
    enum Subject: Sendable {
        case host(nodeName: String, additionalPrincipals: [String], dnsNames: [String])
        case bot(requestedExpiry: Date?)
    }

    /// The most roles a host may say it runs: every local-service role once.
    static let maximumServiceRoles = 16

    static let maximumNameLength = 253
    static let maximumPrincipals = 64

    let tokenName: String
    let requestedMethod: String
    let role: SystemRole
    /// The roles the process says it will run (`HostParams.system_roles`), each once; empty
    /// for a bot and for clients that predate the field (see ``RoleAuthorization``).
    let serviceRoles: [SystemRole]
    let subject: Subject
    /// The keys to certify, parsed here once and carried to issuance.
    let keys: JoinerPublicKeys
    let methodPayload: Data
    let clientVersion: String

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

        let publicKeys: Joinery_V1_PublicKeys
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
            serviceRoles = try JoinRequest.serviceRoles(host.systemRoles, role: role)
            publicKeys = host.publicKeys
        case .botParams(let bot)?:
            guard role == .bot else {
                throw JoinError.badParameter("bot parameters are only accepted with role Bot")
            }
            subject = .bot(requestedExpiry: bot.expiresUnix > 0 ? Date(timeIntervalSince1970: TimeInterval(bot.expiresUnix)) : nil)
            serviceRoles = []
            publicKeys = bot.publicKeys
        case nil:
            throw JoinError.badParameter("ClientInit must carry host or bot parameters")
        }
        keys = try JoinerPublicKeys(sshWire: publicKeys.publicSshKey, tlsDER: publicKeys.publicTlsKey)
    }

    /// Parses `HostParams.system_roles`: local-service roles, each once; a single-role join may
    /// list only its own role.
    private static func serviceRoles(_ names: [String], role: SystemRole) throws -> [SystemRole] {
        guard names.count <= maximumServiceRoles else {
            throw JoinError.badParameter("at most \(maximumServiceRoles) system roles may be listed")
        }
        var roles: [SystemRole] = []
        for name in names {
            guard let listed = try? SystemRole(parsing: name) else {
                throw JoinError.badParameter("system_roles lists \(UntrustedString.sanitize(name)), which is not a known role")
            }
            guard listed.isLocalService else {
                throw JoinError.badParameter("system_roles lists \(listed), which is not a service a process runs")
            }
            if !roles.contains(listed) { roles.append(listed) }
        }
        if role != .instance, !roles.isEmpty, roles != [role] {
            throw JoinError.badParameter(
                "a join as \(role) may list only \(role) in system_roles, not \(roles.joinedNames); join as Instance to run several services")
        }
        return roles
    }

    /// Names become certificate principals: printable ASCII without spaces, bounded.
    private static func checkName(_ name: String, field: String) throws {
        guard !name.isEmpty, name.utf8.count <= maximumNameLength,
              name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7f }) else {
            throw JoinError.badParameter("\(field) must be 1 to \(maximumNameLength) printable ASCII characters without spaces")
        }
    }
}
