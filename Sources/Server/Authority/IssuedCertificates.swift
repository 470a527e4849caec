/// What a successful join hands back (spec §4.2 `Certificates`), in wire form: DER for X.509,
/// SSH wire bytes for the SSH certificate and the SSH CA keys. The agent turns them into
/// PEM and `authorized_keys` text when it writes them to disk.
public struct IssuedCertificates: Sendable, Equatable {
    /// The X.509 certificate for the caller's TLS key.
    public var tlsCertificateDER: [UInt8]
    /// Every TLS CA certificate of the issuing CA (active first), to trust the cluster with.
    public var tlsCACertificatesDER: [[UInt8]]
    /// The OpenSSH certificate for the caller's SSH key.
    public var sshCertificate: [UInt8]
    /// Every SSH CA public key of the issuing CA (active first), SSH wire format.
    public var sshCAKeys: [[UInt8]]

    public init(tlsCertificateDER: [UInt8], tlsCACertificatesDER: [[UInt8]], sshCertificate: [UInt8], sshCAKeys: [[UInt8]]) {
        self.tlsCertificateDER = tlsCertificateDER
        self.tlsCACertificatesDER = tlsCACertificatesDER
        self.sshCertificate = sshCertificate
        self.sshCAKeys = sshCAKeys
    }
}
