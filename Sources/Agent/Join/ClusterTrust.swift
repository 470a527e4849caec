import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Logging
import X509

/// Establishes trust in the Auth server before a join (spec §5): with pins, fetch the CA
/// certificates unverified, require every one to match a pin and be valid now, and trust only
/// them; with `--insecure` or no pins, skip verification (the latter with a loud warning).
enum ClusterTrust {
    /// How a join's connection is secured.
    enum JoinTrust: Sendable {
        /// TLS whose handshake checks the server's CA against the pins (``PinnedHandshake``).
        case pinned(PinnedHandshake)
        /// No verification of the Auth server (`--insecure`, no pins, or verification left to
        /// the TLS session with a Proxy Service).
        case unverified
        /// mTLS with a bot identity whose certificates are still valid.
        case authenticated(BotIdentity)
    }

    /// With CA pins, a pinned handshake; otherwise unverified, after the warnings of
    /// ``establish(_:clock:logger:)``. Through a Proxy Service pins play no part (spec §5): the
    /// proxy's own certificate is verified, and the join runs inside that session.
    static func joinTrust(_ parameters: JoinParameters, clock: any JoinClock, logger: Logger) async throws -> JoinTrust {
        if parameters.dialer.isViaProxy {
            if parameters.dialer.proxy?.insecure == true {
                logger.warning("--insecure: not verifying the Proxy Service's certificate; the join is open to man-in-the-middle attacks")
            }
            return .unverified
        }
        if !parameters.insecure && !parameters.caPins.isEmpty {
            return .pinned(PinnedHandshake(pins: parameters.caPins, clock: clock))
        }
        _ = try await establish(parameters, clock: clock, logger: logger)
        return .unverified
    }

    /// The CA certificates (PEM) to trust for the join, or `nil` to connect unverified.
    static func establish(_ parameters: JoinParameters, clock: any JoinClock, logger: Logger) async throws -> [String]? {
        if parameters.insecure {
            logger.warning("--insecure: not verifying the Auth server's identity; the join is open to man-in-the-middle attacks")
            return nil
        }
        guard !parameters.caPins.isEmpty else {
            logger.warning("""
                no CA pin configured: joining without verifying the Auth server at \(parameters.authServer). \
                Anyone able to intercept this connection could impersonate the cluster. Pass --ca-pin (teleport) or set onboarding.ca_pins (tbot), from `tctl status`.
                """)
            return nil
        }
        let pems = try await fetchCACertificates(parameters.authServer)
        let certificates = try pems.map { pem -> Certificate in
            do {
                return try Certificate(pemEncoded: pem)
            } catch {
                throw JoinError.badParameter("the Auth server at \(parameters.authServer) returned an unreadable CA certificate")
            }
        }
        try CAPin.verify(certificates, against: parameters.caPins, now: clock.now)
        return pems
    }

    /// Calls `GetClusterCACert` without verifying the server: what it returns is checked
    /// against the pins before anything else is sent.
    static func fetchCACertificates(_ address: AuthAddress) async throws -> [String] {
        let transport = try AuthTransports.unverified(address)
        let bundle = try await RPCErrorTranslation.translating(address) {
            try await withGRPCClient(transport: transport) { client in
                let service = Joinery_V1_JoinService.Client(wrapping: client)
                var options = CallOptions.defaults
                options.timeout = .seconds(15)
                return try await service.getClusterCACert(Joinery_V1_GetClusterCACertRequest(), options: options)
                    .tlsCaCertsPem
            }
        }
        guard bundle.count <= 1 << 20 else {
            throw JoinError.badParameter("the Auth server at \(address) returned an oversized CA bundle")
        }
        return PEMBundle.split(String(decoding: bundle, as: UTF8.self))
    }
}

/// Splits a PEM bundle into its blocks.
package enum PEMBundle {
    package static func split(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("-----BEGIN ") { current = [] }
            current.append(Substring(trimmed))
            if trimmed.hasPrefix("-----END ") {
                blocks.append(current.joined(separator: "\n") + "\n")
                current = []
            }
        }
        return blocks
    }
}
