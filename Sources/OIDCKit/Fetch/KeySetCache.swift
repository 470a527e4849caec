import Foundation
import JoinCore
import Logging

/// The signing keys of the issuers a join method trusts, fetched through OpenID discovery and
/// kept per issuer (and per set of roots its HTTPS certificate was checked against).
///
/// - Keys are kept as long as the issuer's `Cache-Control` says, within ``KeySetCachePolicy``.
/// - A token whose `kid` the kept set lacks makes one fetch at once (the issuer rotated its
///   keys), at most once per ``KeySetCachePolicy/unknownKeyRefetchInterval``, so a stream of
///   forged `kid`s cannot make the Auth server hammer the issuer.
/// - When a fetch fails, the last good keys keep serving (the issuer is briefly down) until
///   they are ``KeySetCachePolicy/maximumStaleness`` old; with none, the join fails as
///   `unavailable`, naming the issuer.
/// - Concurrent joins for the same issuer share one fetch.
public actor KeySetCache {
    struct Entry {
        var keys: KeySet
        var fetchedAt: Date
        var freshUntil: Date
        var lastUnknownKeyFetch: Date?
    }

    let clock: any JoinClock
    let policy: KeySetCachePolicy
    let logger: Logger
    private var entries: [String: Entry] = [:]
    /// Issuers with no kept keys whose last fetch failed, with the refusal, until a retry is due:
    /// a stream of joins for a failing issuer does not become a stream of fetches.
    private var failures: [String: (error: JoinError, until: Date)] = [:]
    private var fetches: [String: Task<(KeySet, TimeInterval), any Error>] = [:]

    public init(clock: any JoinClock, policy: KeySetCachePolicy = KeySetCachePolicy(),
                logger: Logger = Logger(label: "joinery.oidc")) {
        self.clock = clock
        self.policy = policy
        self.logger = logger
    }

    /// The keys of `issuer`: the kept set while it is fresh, else a new fetch (or the stale
    /// set, when the fetch fails and it is young enough).
    public func keys(issuer: String, http: OIDCHTTPClient) async throws -> KeySet {
        let key = http.trustKey + " " + issuer
        if let entry = entries[key], clock.now < entry.freshUntil { return entry.keys }
        if entries[key] == nil, let failure = failures[key], clock.now < failure.until { throw failure.error }
        return try await refresh(issuer: issuer, http: http)
    }

    /// The keys of `issuer` after a token named `keyID`, which the kept set lacks: fetched
    /// again unless that was done within the last ``KeySetCachePolicy/unknownKeyRefetchInterval``.
    public func keys(issuer: String, http: OIDCHTTPClient, afterUnknownKey keyID: String) async throws -> KeySet {
        let now = clock.now
        let key = http.trustKey + " " + issuer
        if let entry = entries[key], let last = entry.lastUnknownKeyFetch,
           now.timeIntervalSince(last) < policy.unknownKeyRefetchInterval {
            return entry.keys
        }
        entries[key]?.lastUnknownKeyFetch = now
        logger.info("an ID token names a key the issuer's kept keys lack; fetching them again",
                    metadata: ["issuer": "\(issuer)", "kid": "\(UntrustedString.quoted(keyID, limit: 64))"])
        return try await refresh(issuer: issuer, http: http)
    }

    private func refresh(issuer: String, http: OIDCHTTPClient) async throws -> KeySet {
        let key = http.trustKey + " " + issuer
        let fetch: Task<(KeySet, TimeInterval), any Error>
        let started: Bool
        if let running = fetches[key] {
            (fetch, started) = (running, false)
        } else {
            fetch = Task { [policy] in try await Self.fetch(issuer: issuer, http: http, policy: policy) }
            (fetches[key], started) = (fetch, true)
        }
        defer { if started { fetches[key] = nil } }
        let result = await fetch.result
        let now = clock.now
        do {
            let (keys, lifetime) = try result.get()
            failures[key] = nil
            let lastUnknownKeyFetch = entries[key]?.lastUnknownKeyFetch
            entries[key] = Entry(keys: keys, fetchedAt: now, freshUntil: now.addingTimeInterval(lifetime),
                                    lastUnknownKeyFetch: lastUnknownKeyFetch)
            return keys
        } catch {
            let reason = (error as? JoinError)?.message ?? "\(error)"
            if var entry = entries[key], now.timeIntervalSince(entry.fetchedAt) < policy.maximumStaleness {
                entry.freshUntil = now.addingTimeInterval(policy.retryAfterFailure)
                entries[key] = entry
                logger.warning("cannot refresh the issuer's signing keys; using the keys fetched \(Int(now.timeIntervalSince(entry.fetchedAt))) s ago",
                               metadata: ["issuer": "\(issuer)", "reason": "\(reason)"])
                return entry.keys
            }
            let refusal = JoinError.unavailable("cannot get the signing keys of the OIDC issuer \(issuer): \(reason)")
            failures[key] = (refusal, now.addingTimeInterval(policy.failureBackoff))
            throw refusal
        }
    }

    /// Discovery, then the JWKS it names; the JWKS answer's `Cache-Control` sets the lifetime.
    static func fetch(issuer: String, http: OIDCHTTPClient, policy: KeySetCachePolicy) async throws -> (KeySet, TimeInterval) {
        guard let discoveryURL = ProviderMetadata.discoveryURL(for: issuer) else {
            throw JoinError.badParameter("\(UntrustedString.quoted(issuer)) is not a URL")
        }
        let discovery = try await http.get(discoveryURL, peer: "the OIDC issuer \(issuer)", maximumBytes: ProviderMetadata.maximumBytes)
        guard discovery.status == 200 else {
            throw JoinError.unavailable("\(discoveryURL.absoluteString) answered HTTP \(discovery.status)")
        }
        let metadata = try ProviderMetadata(document: discovery.body, expectedIssuer: issuer, allowsHTTP: http.allowsHTTP)
        let answer = try await http.get(metadata.jwksURL, peer: "the JWKS of \(issuer)", maximumBytes: KeySet.maximumBytes)
        guard answer.status == 200 else {
            throw JoinError.unavailable("\(metadata.jwksURL.absoluteString) answered HTTP \(answer.status)")
        }
        do {
            return (try KeySet(jwks: answer.body), policy.lifetime(cacheControl: answer.header("Cache-Control")))
        } catch let error as JoinError {
            throw JoinError.unavailable("\(metadata.jwksURL.absoluteString): \(error.message)")
        }
    }
}
