import SwiftASN1

/// The object identifiers Joinery writes into X.509 subject names to carry identity that
/// X.509 has no field for.
///
/// The first two are Teleport's (spec §4.4), so tools that know Teleport certificates read
/// ours. The bot attributes are our own, under the same private arc `1.3.9999.1`, numbered
/// from 100 to stay clear of the numbers Teleport uses there:
///
/// | OID | meaning |
/// |---|---|
/// | `1.3.9999.1.7` | cluster name (Teleport) |
/// | `1.3.9999.2.11` | one system role of a multi-role Instance certificate (Teleport) |
/// | `1.3.9999.1.100` | bot name (Joinery) |
/// | `1.3.9999.1.101` | bot instance ID (Joinery) |
/// | `1.3.9999.1.102` | bot certificate generation, decimal (Joinery) |
/// | `1.3.9999.1.103` | `true` when a bot certificate is renewable (token-method bots) |
/// | `1.3.9999.1.104` | the Auth server ID that wrote an Admin identity (Joinery) |
/// | `1.3.9999.1.105` | that Auth server's run (generation) the Admin identity belongs to (Joinery) |
/// | `1.3.9999.1.106` | on a user's certificate: the user's name; marks the certificate as a user's (Joinery) |
/// | `1.3.9999.1.107` | on a user's certificate: one of the user's roles (Joinery) |
///
/// A user's certificate has no organization (O): O carries system roles, and no role name a
/// user is given can make their certificate read as a host's, a bot's or tctl's.
public enum CertificateIdentityOIDs {
    public static let clusterName: ASN1ObjectIdentifier = [1, 3, 9999, 1, 7]
    public static let systemRole: ASN1ObjectIdentifier = [1, 3, 9999, 2, 11]
    public static let botName: ASN1ObjectIdentifier = [1, 3, 9999, 1, 100]
    public static let botInstanceID: ASN1ObjectIdentifier = [1, 3, 9999, 1, 101]
    public static let botGeneration: ASN1ObjectIdentifier = [1, 3, 9999, 1, 102]
    /// `true` on bot certificates that may be renewed without joining again.
    public static let botRenewable: ASN1ObjectIdentifier = [1, 3, 9999, 1, 103]
    /// On Admin certificates: the ID of the Auth server that issued it (stable across restarts).
    public static let adminServerID: ASN1ObjectIdentifier = [1, 3, 9999, 1, 104]
    /// On Admin certificates: the random generation of that Auth server's run; only the
    /// generation recorded in the backend as current is accepted.
    public static let adminGeneration: ASN1ObjectIdentifier = [1, 3, 9999, 1, 105]
    /// On a user's certificate: the user's name (the certificate is a user's).
    public static let userName: ASN1ObjectIdentifier = [1, 3, 9999, 1, 106]
    /// On a user's certificate: one of the user's roles, one attribute each.
    public static let userRole: ASN1ObjectIdentifier = [1, 3, 9999, 1, 107]
}
