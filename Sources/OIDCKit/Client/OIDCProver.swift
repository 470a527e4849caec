import Foundation
import JoinCore

/// The client half every OIDC join method shares: send the ID token from the method's source
/// in `ClientInit`.
public struct OIDCProver: JoinProver {
    public let name: String
    let source: any IDTokenSource

    public init(name: String, source: any IDTokenSource) {
        self.name = name
        self.source = source
    }

    public func initialPayload(for request: ProofRequest) async throws -> Data {
        Data(try await source.idToken().utf8)
    }
}
