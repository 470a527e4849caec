import Foundation
import JoinCore
import Logging
import Transport

/// Establishes trust in the Auth server before a join (spec §5), and refuses to join without
/// it: nothing is sent until the process knows how it will check who answers.
///
/// - Straight to an Auth server: CA pins (`--ca-pin`, `ca_pin`, and the certificates of a CA
///   file turned into pins by the config layer) checked inside the handshake, with the Auth
///   role (``PinnedHandshake``); or, only when the operator says `--insecure`, no check.
///   With neither, the join is refused — stricter than Teleport, which warns and proceeds.
/// - Through a Proxy Service: its certificate is verified against `ca_path` or the system
///   trust store (pins do not apply to the proxy, spec §5), and the join runs inside that
///   session; `--insecure` skips that check too.
enum ClusterTrust {
    /// How a join's connection is secured.
    enum JoinTrust: Sendable {
        /// TLS whose handshake checks the server's CA against the pins (``PinnedHandshake``).
        case pinned(PinnedHandshake)
        /// No verification of the Auth server: `--insecure`, or verification left to the TLS
        /// session with a Proxy Service.
        case unverified
        /// mTLS with an identity (a bot's or a host's) whose certificates are still valid.
        case authenticated(PresentedIdentity)
    }

    /// The certificate, key and trusted CAs of an identity a join presents.
    struct PresentedIdentity: Sendable {
        var certificatePEM: String
        var keyPEM: String
        var trustedCAsPEM: [String]
    }

    static func joinTrust(_ parameters: JoinParameters, clock: any JoinClock, logger: Logger) throws -> JoinTrust {
        if parameters.dialer.isViaProxy {
            if parameters.dialer.proxy?.insecure == true {
                logger.warning("--insecure: not verifying the Proxy Service's certificate; the join is open to man-in-the-middle attacks")
            }
            return .unverified
        }
        if parameters.insecure {
            logger.warning("--insecure: not verifying the Auth server's identity; the join is open to man-in-the-middle attacks")
            return .unverified
        }
        guard !parameters.caPins.isEmpty else { throw unverifiableServer(parameters.authServer) }
        return .pinned(PinnedHandshake(pins: parameters.caPins, pinsOrigin: parameters.caPinsOrigin, clock: clock))
    }

    /// The refusal when there is no way to check the Auth server: it names every way out.
    static func unverifiableServer(_ address: AuthAddress) -> JoinError {
        JoinError.badParameter("""
            refusing to join the Auth server at \(address) without a way to verify it: anyone able to intercept \
            the connection could impersonate the cluster and collect the token. Pass --ca-pin (teleport.ca_pin in \
            teleport.yaml, onboarding.ca_pins in tbot.yaml) with the pin `tctl status` prints, or a CA file \
            (--ca-path, teleport.ca_path, onboarding.ca_path) holding the cluster's CA; or, to skip verification \
            knowingly, --insecure. Nothing was sent.
            """)
    }
}
