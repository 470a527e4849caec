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
    /// The connection a join uses: with CA pins, one whose handshake checks the server's CA
    /// against them (``PinnedHandshake``); otherwise an unverified one, after the warnings of
    /// ``establish(_:clock:logger:)``.
    static func transport(_ parameters: JoinParameters, clock: any JoinClock,
                          logger: Logger) async throws -> (HTTP2ClientTransport.Posix, PinnedHandshake?) {
        if !parameters.insecure && !parameters.caPins.isEmpty {
            let handshake = PinnedHandshake(pins: parameters.caPins, clock: clock)
            return (try handshake.transport(parameters.authServer), handshake)
        }
        _ = try await establish(parameters, clock: clock, logger: logger)
        return (try AuthTransports.unverified(parameters.authServer), nil)
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
enum PEMBundle {
    static func split(_ text: String) -> [String] {
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
