import X509

extension LocalTLSIdentity {
    /// The certificate as PEM, for TLS configuration and files.
    public func certificatePEM() throws -> String {
        try Certificate(derEncoded: certificateDER).serializeAsPEM().pemString + "\n"
    }

    /// The trusted CA certificates as one PEM bundle.
    public func caCertificatesPEM() throws -> String {
        try caCertificatesDER.map { try Certificate(derEncoded: $0).serializeAsPEM().pemString + "\n" }.joined()
    }
}
