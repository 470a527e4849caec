import Crypto
import JoinCore

/// Which key type a bound keypair gets under a cluster's signature algorithm suite (spec
/// §8.4): Ed25519 under `balanced-v1` (and when the suite is unknown to the caller, empty),
/// ECDSA P-256 under the FIPS and HSM suites.
public enum BoundKeypairKeySuite {
    /// A new private key for `suite`.
    public static func generateKey(suite: String) throws -> JWSPrivateKey {
        switch suite {
        case "", "balanced-v1", "legacy":
            return .ed25519(Curve25519.Signing.PrivateKey())
        case let name where name.hasPrefix("fips") || name.hasPrefix("hsm"):
            return .p256(P256.Signing.PrivateKey())
        default:
            throw JoinError.badParameter(
                "unsupported signature algorithm suite \"\(UntrustedString.sanitize(suite))\" for a bound keypair; "
                    + "supported: balanced-v1, fips-v1, hsm-v1")
        }
    }
}
