import Crypto
import Foundation
import JoinCore
import Server

/// Compact JWS as bots send them: a bound-keypair challenge solution, checked against the
/// bound key, and a join state, checked against the cluster's bound-keypair CA. The keys are
/// fixed so that signatures in the seeds stay valid between runs.
enum JWSFuzzing {
    static let ed25519Key = JWSPrivateKey.ed25519(try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32)))
    static let p256Key = JWSPrivateKey.p256(try! P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 9, count: 32)))
    static let authority = JWTAuthority(
        clusterName: "fuzz.example", activeKey: try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 5, count: 32)))

    static let compact = FuzzTarget("jws", maximumLength: 20 * 1024) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        if let jws = try? CompactJWS(parsing: text) {
            _ = jws.isSigned(by: ed25519Key.publicKey)
            _ = jws.isSigned(by: p256Key.publicKey)
            _ = jws.keyID
        }
        _ = try? authority.verify(text)
        _ = Base64URL.decode(Substring(text))
    }
}
