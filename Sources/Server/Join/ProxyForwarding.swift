import Foundation
import JoinCore
import JoineryProto
import X509

/// Where a join really comes from when a Proxy Service forwards it (spec §9.1).
///
/// A proxy opens its own mTLS stream to the Auth server and puts the client's address in
/// `ClientInit.forwarded_by_proxy`. Only a caller whose certificate carries the Proxy role may
/// do that: from anyone else the parameters are refused, so a joining client cannot pick the
/// address its attempt is audited and rate-limited under. The proxy's own identity plays no
/// other part in the join.
enum ProxyForwarding {
    /// The longest forwarded address accepted (`[v6 address]:port` fits easily).
    static let maximumAddressLength = 64

    /// Whether `caller` is a Proxy Service of this cluster: the only caller that may forward.
    static func isProxy(_ caller: PeerIdentity?) -> Bool {
        guard let caller else { return false }
        return caller.role == .proxy || caller.systemRoles.contains(.proxy)
    }

    /// The client's address when `message` was forwarded by a proxy, nil when it was not.
    static func clientAddress(of message: Joinery_V1_ClientInit, presentedCertificate: Certificate?,
                              authorities: ClusterAuthorities, now: Date) throws -> String? {
        guard message.hasForwardedByProxy else { return nil }
        let refusal = "forwarded join parameters are accepted only from a Proxy Service of this cluster"
        guard let presentedCertificate else {
            throw JoinError.accessDenied("\(refusal); this connection presented no certificate")
        }
        let caller: PeerIdentity
        do {
            caller = try authorities.authenticate(presentedCertificate, now: now)
        } catch let error as JoinError {
            throw JoinError.accessDenied("\(refusal); \(error.message)")
        }
        guard isProxy(caller) else {
            throw JoinError.accessDenied("\(refusal); the caller holds the \(caller.role.rawValue) role")
        }
        let address = message.forwardedByProxy.remoteAddr
        guard !address.isEmpty, address.count <= maximumAddressLength,
              address.unicodeScalars.allSatisfy({ CharacterSet(charactersIn: "0123456789abcdefABCDEF.:[]").contains($0) }),
              address.contains(":") else {
            throw JoinError.badParameter("the forwarding proxy sent an invalid client address")
        }
        return address
    }
}
