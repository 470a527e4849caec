import Foundation
import JoinCore
import OIDCKit

/// Fetches the issuing CA of an attested-data signing certificate from the URL in its
/// Authority Information Access extension, as Teleport does: Azure embeds only the leaf, and
/// its issuing CAs change over time. The certificate is not verified yet when this runs, so
/// the URL is untrusted: it is fetched only over plain HTTP from hosts of the two CAs Azure
/// uses (`*.microsoft.com`, `*.digicert.com`; AIA URLs are HTTP by convention), at most
/// ``maximumBytes`` of it, and what comes back is only a *candidate* for the chain, which
/// must still end at a trust anchor. Answers are kept for a day per URL.
actor IssuerCertificateFetcher {
    static let allowedHostSuffixes = [".microsoft.com", ".digicert.com"]
    static let maximumBytes = 16 * 1024
    static let cacheLifetime: TimeInterval = 24 * 3600
    /// Azure's issuing CAs are a handful; a document naming more URLs gets no more fetches.
    static let maximumCached = 16
    static let maximumPerDocument = 2

    private let http: OIDCHTTPClient
    private let clock: any JoinClock
    private var cache: [String: (der: Data, fetched: Date)] = [:]

    init(clock: any JoinClock, environment: [String: String]) {
        http = OIDCHTTPClient(environment: environment, allowsHTTP: true)
        self.clock = clock
    }

    /// True when `url` may be fetched at all.
    static func isAllowed(_ url: URL) -> Bool {
        guard url.scheme?.lowercased() == "http", let host = url.host?.lowercased(), url.port == nil else { return false }
        return allowedHostSuffixes.contains { host.hasSuffix($0) }
    }

    /// The DER certificate at `url`, or `nil` when it may not be fetched or cannot be had (the
    /// chain then fails to verify and says so).
    func certificate(at url: URL) async -> Data? {
        guard Self.isAllowed(url) else { return nil }
        let key = url.absoluteString
        if let cached = cache[key], clock.now.timeIntervalSince(cached.fetched) < Self.cacheLifetime { return cached.der }
        guard let answer = try? await http.send(.GET, url, peer: "the Azure CA certificate URL \(key)", maximumBytes: Self.maximumBytes),
              answer.status == 200, !answer.body.isEmpty else { return nil }
        let der = Data(answer.body)
        // Bounded: expired answers go first, then the oldest.
        cache = cache.filter { clock.now.timeIntervalSince($0.value.fetched) < Self.cacheLifetime }
        if cache.count >= Self.maximumCached, let oldest = cache.min(by: { $0.value.fetched < $1.value.fetched })?.key {
            cache[oldest] = nil
        }
        cache[key] = (der, clock.now)
        return der
    }
}
