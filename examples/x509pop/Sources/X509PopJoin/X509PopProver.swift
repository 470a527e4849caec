import Foundation
import JoinCore

/// The joining host's half of `x509pop`: sends its certificate chain, then signs the Auth
/// server's challenge with the certificate's key.
///
/// Made once per join; the files are read when it is made, so a missing or mismatched file
/// fails the join before anything is sent.
public struct X509PopProver: JoinProver {
    public let name = X509Pop.methodName
    private let credentials: HostCredentials

    /// Reads `certificate_path` and `private_key_path` from the plugin's settings.
    public init(context: ProverContext) throws {
        try self.init(credentials: HostCredentials(settings: X509PopProverSettings(context.settings)))
    }

    public init(credentials: HostCredentials) {
        self.credentials = credentials
    }

    public func initialPayload(for request: ProofRequest) async throws -> Data {
        credentials.chain.encoded
    }

    public func answer(_ challenge: Data, for request: ProofRequest) async throws -> Data {
        try credentials.sign(X509PopChallenge(decoding: challenge))
    }
}
