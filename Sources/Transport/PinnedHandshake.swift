import Foundation
import GRPCNIOTransportHTTP2
import JoinCore
import NIOCore
import NIOSSL
import Synchronization
import X509

/// Checks CA pins inside the TLS handshake (spec §5 in one connection): the Auth server sends
/// its host CA certificate after its own, and the handshake succeeds only when that CA matches
/// a configured pin, is valid now, and signed the server's certificate, and that certificate
/// holds the Auth role (``ClusterServerCheck``). The join then runs on
/// the same connection, instead of first fetching the CA certificates over an unverified one.
///
/// Why a handshake failed is kept in ``failure`` so the join client can report the pin
/// mismatch in words rather than as a TLS alert.
package final class PinnedHandshake: Sendable {
    package let pins: [CAPin]
    /// Where the pins came from, named in a mismatch when the operator did not set them.
    let pinsOrigin: String?
    let clock: any JoinClock
    private let recorded = Mutex<JoinError?>(nil)
    private let nonMemberLeaf = Mutex(false)

    package init(pins: [CAPin], pinsOrigin: String? = nil, clock: any JoinClock) {
        self.pins = pins
        self.pinsOrigin = pinsOrigin
        self.clock = clock
    }

    /// Why the last handshake was refused, if it was.
    package var failure: JoinError? { recorded.withLock { $0 } }

    /// Whether the server's own certificate in the last handshake claimed no cluster role: it
    /// is then no member of any cluster — not an Auth server — but, say, a Proxy Service's web
    /// certificate (see `ProxyAddressHint` in Agent).
    package var presentedNonMemberCertificate: Bool { nonMemberLeaf.withLock { $0 } }

    package func transport(_ address: AuthAddress) throws -> HTTP2ClientTransport.Posix {
        try AuthTransports.custom(address) { certificates, promise in
            promise.succeed(self.verify(certificates))
        }
    }

    func verify(_ presented: [NIOSSLCertificate]) -> NIOSSLVerificationResultWithMetadata {
        do {
            let chain = try presented.map { try Certificate(derEncoded: try $0.toDERBytes()) }
            let nonMember = chain.first.map { CertificateRoleClaim(certificate: $0) == nil } ?? false
            nonMemberLeaf.withLock { $0 = nonMember }
            guard chain.count >= 2 else {
                throw JoinError.badParameter("the Auth server did not present its CA certificate; cannot check the CA pin")
            }
            let authorities = Array(chain.dropFirst())
            // Every CA the server presents must match a pin (as when they are fetched).
            do {
                try CAPin.verify(authorities, against: pins, now: clock.now)
            } catch let error as JoinError where pinsOrigin != nil {
                throw JoinError(error.kind, error.message + "; the pins checked were the certificates of \(pinsOrigin ?? ""), "
                    + "used because no CA pin or CA file is configured: pass --ca-pin (or ca_pin) with the pin `tctl status` prints")
            }
            // A pinned CA signs every member of the cluster: the role decides who is Auth.
            try ClusterServerCheck(trustedCAs: authorities, role: .auth, clock: clock).verify(chain)
            return .certificateVerified(VerificationMetadata(nil))
        } catch let error as JoinError {
            recorded.withLock { $0 = error }
            return .failed
        } catch {
            recorded.withLock { $0 = JoinError.badParameter("the Auth server presented an unreadable certificate") }
            return .failed
        }
    }
}
