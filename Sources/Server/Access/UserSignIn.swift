import AccessControl
import Foundation
import JoinCore

/// Signs a local user in (`tsh login` through the Proxy Service): password, then the OTP code
/// when the cluster asks for one, then locks; on success the user's keys are certified for
/// the logins its roles allow, for no longer than they allow.
///
/// Every credential failure gives the client one message, whatever was wrong (no such user,
/// no password yet, wrong password, wrong or replayed code), and costs the same scrypt work,
/// so the answer does not tell which names exist. The audit event says what failed.
public struct UserSignIn: Sendable {
    /// Teleport's default lifetime of a user's certificates.
    public static let defaultTTL: TimeInterval = 12 * 3600
    public static let invalidCredentials = "invalid user name, password or second factor"
    /// One attempt a second per client address, ten at once.
    public static let addressLimits = JoinRateLimiter.Limits(averagePerSecond: 1, burst: 10)

    /// What attempts are counted by: the host of `host:port`, and for IPv6 (`[v6]:port`) its
    /// /64, which one client typically holds whole.
    static func host(of address: String) -> String {
        if address.hasPrefix("["), let end = address.firstIndex(of: "]") {
            let ip = String(address[address.index(after: address.startIndex)..<end])
            return ipv6Prefix(ip) ?? ip
        }
        return address.split(separator: ":").count == 2 ? String(address.split(separator: ":")[0]) : address
    }

    /// The first four groups of an IPv6 address, `::` expanded; nil if it is not one.
    static func ipv6Prefix(_ ip: String) -> String? {
        var storage = in6_addr()
        guard inet_pton(AF_INET6, ip, &storage) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: storage) { Array($0) }
        return stride(from: 0, to: 8, by: 2).map { String(format: "%x", UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1])) }
            .joined(separator: ":") + "::/64"
    }

    let users: UserStore
    let roles: RoleStore
    let locks: LockStore
    let limiter: LoginAttemptLimiter
    /// Attempts per client address, whatever the name: each one costs the Auth server a scrypt
    /// hash (about 100 ms of CPU), so one address cannot keep it busy.
    let addressLimiter: JoinRateLimiter
    let passwordWork: PasswordWorkGate
    let authorities: ClusterAuthorities
    let secondFactor: SecondFactorMode
    let audit: AuditLog
    let clock: any JoinClock

    /// The certificates and what they grant.
    public struct Outcome: Sendable {
        public var certificates: IssuedCertificates
        public var roles: [String]
        public var logins: [String]
        public var expires: Date
    }

    /// A hash to verify against when there is no user, so an unknown name costs what a known one does.
    private static let decoyHash = try? PasswordHash.make(password: "decoy password for unknown users")

    package func signIn(user name: String, password: String, otpCode: String, keys: JoinerPublicKeys,
                       ttl: TimeInterval?, clientAddress: String) async throws -> Outcome {
        func refuse(_ reason: String, message: String = Self.invalidCredentials, kind: JoinError.Kind = .accessDenied) async -> JoinError {
            await audit.record(AccessAuditEvent(kind: .userLogin, success: false, user: name, remoteAddress: clientAddress,
                                                reason: reason, fields: ["method": "local"]), at: clock.now)
            return JoinError(kind, message)
        }
        // Refused for the rate alone: logged, not audited (a flood must not grow the log).
        try addressLimiter.admit(address: Self.host(of: clientAddress))
        guard (try? UserAccount.validate(name: name)) != nil else {
            throw await refuse("malformed user name")
        }
        do {
            try await limiter.requireAllowed(name)
        } catch let error as JoinError {
            throw await refuse(error.message, message: error.message, kind: error.kind)
        }
        let account = try await users.get(name)
        let hash = account?.passwordHash.flatMap { try? PasswordHash(encoded: $0) }
        let passwordMatches = try passwordWork.run { (hash ?? Self.decoyHash)?.verify(password) ?? false }
        guard let account, hash != nil, passwordMatches else {
            try await limiter.recordFailure(name)
            let reason = account == nil ? "unknown user" : (hash == nil ? "the user has not set a password (invite not completed)" : "wrong password")
            throw await refuse(reason)
        }
        if secondFactor == .otp {
            guard let secret = account.otpSecret, let device = try? TOTPDevice(base32Secret: secret) else {
                try await limiter.recordFailure(name)
                throw await refuse("no OTP device is enrolled")
            }
            do {
                try await users.update(name) { stored in
                    // A reset (or another change of credentials) since they were read voids them.
                    guard stored.passwordHash == account.passwordHash, stored.otpSecret == secret else {
                        throw JoinError.accessDenied("the credentials changed during the sign-in")
                    }
                    guard let counter = device.matchingCounter(for: otpCode, at: clock.now, lastUsedCounter: stored.otpLastCounter) else {
                        throw JoinError.accessDenied("wrong or reused OTP code")
                    }
                    stored.otpLastCounter = counter
                }
            } catch let error as JoinError where error.kind == .accessDenied {
                try await limiter.recordFailure(name)
                throw await refuse(error.message)
            }
        }
        if let lock = try await locks.firstLock(targeting: [.user(name)]) {
            throw await refuse("user is locked: \(lock.message)", message: "user \(name) is locked: \(lock.message)")
        }
        try await limiter.reset(name)
        let userRoles = try await roles.roles(named: account.roles)
        let checker = AccessChecker(roles: userRoles, traits: account.traits)
        let now = clock.now
        let lifetime = min(ttl.map { max($0, 60) } ?? Self.defaultTTL, checker.maxSessionTTL)
        let expires = now.addingTimeInterval(lifetime)
        let logins = checker.allowedLogins
        let certificates = try authorities.userIssuer.issueUserLogin(
            UserLoginCertificateRequest(user: name, roles: account.roles, logins: logins, sshPublicKey: keys.ssh,
                                        tlsPublicKey: keys.tls, notAfter: expires, now: now),
            hostCA: authorities.host)
        await audit.record(AccessAuditEvent(kind: .userLogin, success: true, user: name, remoteAddress: clientAddress,
                                            fields: ["method": "local", "roles": account.roles.joined(separator: ","),
                                                     "expires": RFC3339.format(expires)]), at: now)
        return Outcome(certificates: certificates, roles: account.roles, logins: logins, expires: expires)
    }
}
