import Foundation
import JoinCore
import NIOHTTP1
import OIDCKit

/// Asks the GCE metadata server for the instance's identity token, as Teleport does:
/// `GET http://<host>/computeMetadata/v1/instance/service-accounts/default/identity?audience=teleport.cluster.local&format=full&licenses=FALSE`
/// with `Metadata-Flavor: Google`. The host is `GCE_METADATA_HOST` when set, else
/// `metadata.google.internal`; the request never goes through an HTTP proxy (the metadata
/// server answers only on the instance's own link).
struct GCPMetadataTokenSource: IDTokenSource {
    static let hostVariable = "GCE_METADATA_HOST"
    static let defaultHost = "metadata.google.internal"
    let host: String
    let http: OIDCHTTPClient

    init(environment: [String: String]) {
        host = environment[Self.hostVariable].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultHost
        http = OIDCHTTPClient(environment: [:], allowsHTTP: true)
    }

    func idToken() async throws -> String {
        let audience = GCPProfile.audience.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
        guard let url = URL(string: "http://\(host)/computeMetadata/v1/instance/service-accounts/default/identity?audience=\(audience)&format=full&licenses=FALSE") else {
            throw JoinError.badParameter("\(Self.hostVariable)=\(host) does not make a URL")
        }
        let peer = "the GCE metadata server at \(host) (is this a Compute Engine VM? \(Self.hostVariable) names another server)"
        let answer = try await http.send(.GET, url, headers: [("Metadata-Flavor", "Google")], peer: peer, maximumBytes: UnverifiedIDToken.maximumBytes)
        guard answer.status == 200 else {
            let said = String(decoding: answer.body.prefix(200), as: UTF8.self)
            throw JoinError.accessDenied("\(peer) answered HTTP \(answer.status): \(UntrustedString.quoted(said, limit: 200))")
        }
        let token = String(decoding: answer.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw JoinError.badParameter("\(peer) answered without a token") }
        return token
    }
}
