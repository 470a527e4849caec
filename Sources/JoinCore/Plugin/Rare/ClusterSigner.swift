import Foundation

/// The cluster's JWT signing service, as a method sees it: sign a claims document as a compact
/// JWS with the cluster's bound-keypair CA, and verify one such JWS (signature and `kid`)
/// against the keys the CA trusts. The keys stay with the server; claim checks stay with the
/// method.
public protocol ClusterJWTAuthority: Sendable {
    /// Signs `claims` (a JSON object, used verbatim as the payload) with the active key; the
    /// header carries `alg`, `typ: JWT` and the key's `kid`.
    func sign(claims: Data) throws -> String

    /// Checks that `token` is a compact JWS whose header names (`kid`) a key this CA trusts and
    /// whose signature verifies with it; returns the payload bytes. Throws `badParameter` when
    /// the header has no `kid` and `accessDenied` when no trusted key matches or the signature
    /// is wrong.
    func verify(_ token: String) throws -> Data
}

/// What a method may use of the cluster during one attempt.
public struct ClusterServices: Sendable {
    public var clusterName: String
    /// Signs and verifies documents such as the bound-keypair join state.
    public var jwt: any ClusterJWTAuthority
    /// The signature algorithm suite new keys should follow (`balanced-v1`, ...).
    public var signatureSuite: String

    public init(clusterName: String, jwt: any ClusterJWTAuthority, signatureSuite: String) {
        self.clusterName = clusterName
        self.jwt = jwt
        self.signatureSuite = signatureSuite
    }
}

/// A cluster with no JWT authority (tests of methods that never sign).
public struct UnavailableJWTAuthority: ClusterJWTAuthority {
    public init() {}
    public func sign(claims: Data) throws -> String { throw JoinError.internalError("no JWT authority is configured") }
    public func verify(_ token: String) throws -> Data { throw JoinError.internalError("no JWT authority is configured") }
}
