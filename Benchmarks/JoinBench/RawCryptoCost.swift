import Crypto
import Foundation

/// The public-key operations one token join cannot avoid, each timed alone with swift-crypto
/// (BoringSSL, as NIOSSL's TLS uses) and added up by how often a join performs it, both ends
/// together. Hashing, symmetric encryption and certificate encoding are left out: they are
/// microseconds.
///
/// Per join: the joiner makes its SSH key (Ed25519) and TLS key (P-256), and the throwaway
/// P-256 certificate it presents to the Auth server's mTLS port (one keygen, one signature).
/// The TLS 1.3 handshake uses the X25519MLKEM768 group (BoringSSL's default: ML-KEM symbols
/// show in the join's profile): a key share and a shared secret on each side plus ML-KEM
/// keygen, encapsulation and decapsulation; each side signs its CertificateVerify (P-256) and
/// verifies the other's; the joiner also verifies the server certificate's signature by the
/// pinned CA. The Auth server then signs the SSH certificate (Ed25519) and the X.509
/// certificate (P-256).
struct RawCryptoCost {
    /// One primitive: its name, CPU per operation, and how many a join performs.
    struct Operation {
        var name: String
        var perJoin: Int
        var cpuSeconds: Double
    }

    var operations: [Operation]

    var perJoinCPUSeconds: Double { operations.reduce(0) { $0 + Double($1.perJoin) * $1.cpuSeconds } }

    static func measure(rounds: Int) throws -> RawCryptoCost {
        let message = Data(repeating: 0x5a, count: 256)
        let p256 = P256.Signing.PrivateKey()
        let p256Signature = try p256.signature(for: message)
        let ed25519 = Curve25519.Signing.PrivateKey()
        let x25519 = Curve25519.KeyAgreement.PrivateKey()
        let x25519Peer = Curve25519.KeyAgreement.PrivateKey().publicKey
        let kem = try MLKEM768.PrivateKey()
        let encapsulated = try kem.publicKey.encapsulate()

        func time(_ name: String, perJoin: Int, _ body: () throws -> Void) rethrows -> Operation {
            for _ in 0..<max(1, rounds / 20) { try body() }
            let before = ProcessUsage.now().cpuSeconds
            for _ in 0..<rounds { try body() }
            return Operation(name: name, perJoin: perJoin, cpuSeconds: (ProcessUsage.now().cpuSeconds - before) / Double(rounds))
        }

        return RawCryptoCost(operations: [
            try time("P-256 sign", perJoin: 4) { _ = try p256.signature(for: message) },
            time("P-256 verify", perJoin: 3) { _ = p256.publicKey.isValidSignature(p256Signature, for: message) },
            time("P-256 keygen", perJoin: 2) { _ = P256.Signing.PrivateKey() },
            try time("Ed25519 sign", perJoin: 1) { _ = try ed25519.signature(for: message) },
            time("Ed25519 keygen", perJoin: 1) { _ = Curve25519.Signing.PrivateKey() },
            time("X25519 keygen", perJoin: 2) { _ = Curve25519.KeyAgreement.PrivateKey() },
            try time("X25519 shared secret", perJoin: 2) { _ = try x25519.sharedSecretFromKeyAgreement(with: x25519Peer) },
            try time("ML-KEM-768 keygen", perJoin: 1) { _ = try MLKEM768.PrivateKey() },
            try time("ML-KEM-768 encapsulate", perJoin: 1) { _ = try kem.publicKey.encapsulate() },
            try time("ML-KEM-768 decapsulate", perJoin: 1) { _ = try kem.decapsulate(encapsulated.encapsulated) },
        ])
    }
}
