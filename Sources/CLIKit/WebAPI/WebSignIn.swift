/// `POST /v1/webapi/ssh/certs` on the Proxy Service's web port (`tsh login`): what tsh sends
/// and what the proxy answers. Shared by the proxy (CLISupport) and tsh, so the two cannot
/// drift apart.
public enum WebSignIn {
    public static let path = "/v1/webapi/ssh/certs"

    /// The credentials and the two public keys to certify.
    public struct Request: Codable, Sendable {
        public var user: String
        public var password: String
        public var otpToken: String?
        /// The SSH public key, authorized_keys format.
        public var pubKey: String
        /// The TLS public key, base64 DER SubjectPublicKeyInfo.
        public var tlsPubKey: String
        /// Requested lifetime in seconds.
        public var ttl: Int64?

        public init(user: String, password: String, otpToken: String?, pubKey: String, tlsPubKey: String, ttl: Int64?) {
            self.user = user
            self.password = password
            self.otpToken = otpToken
            self.pubKey = pubKey
            self.tlsPubKey = tlsPubKey
            self.ttl = ttl
        }

        enum CodingKeys: String, CodingKey {
            case user, password, otpToken = "otp_token", pubKey = "pub_key", tlsPubKey = "tls_pub_key", ttl
        }
    }

    /// The user's certificates, the host CA to trust the cluster with, and what was granted.
    public struct Response: Codable, Sendable {
        public var username: String
        /// The SSH certificate, authorized_keys format.
        public var sshCert: String
        /// The X.509 certificate, PEM.
        public var tlsCert: String
        /// The host CA's certificates (PEM) and SSH keys (authorized_keys format).
        public var hostCACerts: [String]
        public var hostCASSHKeys: [String]
        public var roles: [String]
        public var logins: [String]
        /// RFC 3339.
        public var expires: String
        public var clusterName: String

        public init(username: String, sshCert: String, tlsCert: String, hostCACerts: [String], hostCASSHKeys: [String],
                    roles: [String], logins: [String], expires: String, clusterName: String) {
            self.username = username
            self.sshCert = sshCert
            self.tlsCert = tlsCert
            self.hostCACerts = hostCACerts
            self.hostCASSHKeys = hostCASSHKeys
            self.roles = roles
            self.logins = logins
            self.expires = expires
            self.clusterName = clusterName
        }

        enum CodingKeys: String, CodingKey {
            case username, sshCert = "ssh_cert", tlsCert = "tls_cert", hostCACerts = "host_ca_certs"
            case hostCASSHKeys = "host_ca_ssh_keys", roles, logins, expires, clusterName = "cluster_name"
        }
    }
}
