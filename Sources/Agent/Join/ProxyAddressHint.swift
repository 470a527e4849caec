import JoinCore
import Transport

/// Says so when the address a join was given as its Auth server is a Proxy Service's web
/// address — the commonest reason a correct CA pin "does not match": the proxy's web
/// certificate is not issued by the cluster's CA, so no pin can match it.
///
/// Two facts decide, and both must hold, because either alone also fits something else:
/// - the certificate the server presented claims no cluster role (``PinnedHandshake``), so it
///   is no cluster member's — every Auth server's certificate carries the Auth role;
/// - the address answers the cluster's `Ping` when spoken to as a Proxy Service (TLS, then the
///   join service inside, as ``ClusterRoute`` tries ports 3080 and 443) — which an arbitrary
///   web server does not.
///
/// The second is asked only after the pin check has already refused the join, over TLS that
/// is not verified, and sends nothing but `Ping`: the join still fails, the pins are never
/// relaxed, and the probe's answer changes only the words of the error.
enum ProxyAddressHint {
    /// `refusal`, with the advice to pass `address` as a Proxy Service when it is one.
    static func explaining(_ refusal: JoinError, presentedNonMemberCertificate: Bool, address: AuthAddress,
                           dialer: ClusterDialer) async -> JoinError {
        guard presentedNonMemberCertificate, !dialer.isViaProxy else { return refusal }
        var asProxy = dialer
        asProxy.proxy = ClusterDialer.ProxyTrust(insecure: true)
        guard (try? await ClusterRoute.ping(address, dialer: asProxy)) != nil else { return refusal }
        let names = dialer.settingNames
        return JoinError(refusal.kind, refusal.message
            + "; \(address) looks like a Proxy Service (its certificate is not issued by a cluster CA, and it answers as a "
            + "Proxy Service): pass it with \(names.proxy) instead of \(names.authServer)")
    }
}
