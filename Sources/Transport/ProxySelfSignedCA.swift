/// Where a Proxy Service without `proxy_service.https_keypairs` keeps the CA certificate of its
/// self-signed web certificate: `<data_dir>/proxy/webcert.pem` on the proxy's host. The proxy
/// writes it there, and a client that does not trust the proxy's certificate is told to copy
/// it from there, so both read the location from here.
public enum ProxySelfSignedCA {
    /// The folder under the proxy's `data_dir`.
    public static let folder = "proxy"
    /// The CA certificate's file in ``folder``.
    public static let file = "webcert.pem"
    /// `<proxy data_dir>/proxy/webcert.pem`, as a message names it.
    public static var location: String { "<proxy data_dir>/\(folder)/\(file)" }
}
