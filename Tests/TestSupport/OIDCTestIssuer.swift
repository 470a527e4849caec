import AsyncHTTPClient
import Foundation
import JoinCore
import XCTest

/// A real OpenID Connect issuer on 127.0.0.1 over HTTPS, for tests of the OIDC join methods
/// (github, gitlab, circleci, generic_oidc, ...). It runs `Scripts/oidc_issuer.py` (Python's
/// `http.server` and `ssl`, keys and signatures from `cryptography`), bundled as a resource.
///
/// Every path's first segment names an issuer, ``issuerURL(_:)``, made on first use with one
/// RS256 key (kid `<name>-1`); it serves `/.well-known/openid-configuration` and
/// `/.well-known/jwks` under that URL, with a certificate for 127.0.0.1 and localhost from its
/// own CA (``caFile``). The test drives it through a plain-HTTP admin port: it mints tokens,
/// rotates keys, takes the issuer down, changes the JWKS `Cache-Control`, and reads how often
/// each document was fetched. It also answers as the token endpoints of GitHub Actions
/// (``githubRequestURL``) and Azure Pipelines (``azureDevOpsRequestURL``).
///
/// Start it with ``start(in:)`` and always ``stop()`` it; `directory` stays the caller's.
public final class OIDCTestIssuer: @unchecked Sendable {
    /// What a minted token's header says for `kid`.
    public enum KidChoice: Sendable, Equatable {
        /// The kid of the key that signed it.
        case keys
        /// No `kid` at all.
        case omit
        /// This text, whatever key signed.
        case value(String)
    }

    /// What signs a minted token.
    public enum SigningChoice: String, Sendable {
        /// The issuer's current key for the alg, published in its JWKS (made on first use).
        case current
        /// A fresh key of the alg that is never published (kid `unpublished-<n>`).
        case unpublished
        /// Nothing: header alg `none` and an empty signature (the token ends with `.`).
        case none
        /// Header alg HS256 and the current RSA key's kid, HMAC-SHA256 keyed with that RSA
        /// public key's PEM (SubjectPublicKeyInfo): the key-confusion attack.
        case hs256PublicKey = "hs256-public-key"
    }

    /// The HTTPS port the issuers, JWKS and platform endpoints are served on.
    public let port: Int
    /// The plain-HTTP port of the admin API.
    public let adminPort: Int
    /// Where the certificates and the script's log (`oidc_issuer.log`) are.
    public let directory: URL
    private let server: PythonHTTPServer

    private init(server: PythonHTTPServer, adminPort: Int, directory: URL) {
        self.server = server
        self.port = server.port
        self.adminPort = adminPort
        self.directory = directory
    }

    /// Starts the issuer with its certificates and log in `directory` (created if needed) and
    /// waits until both ports listen.
    ///
    /// - Throws: `XCTSkip` when python3 lacks the `cryptography` package; ``TestFailure`` with
    ///   the script's output when it does not start otherwise.
    public static func start(in directory: URL) async throws -> OIDCTestIssuer {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server: PythonHTTPServer
        do {
            server = try await PythonHTTPServer(name: "oidc_issuer", scriptFile: scriptURL,
                                                arguments: ["--dir", directory.path], directory: directory)
        } catch let failure as TestFailure where failure.description.contains("missing python package cryptography") {
            throw XCTSkip("the OIDC test issuer needs the Python package cryptography: \(failure)")
        }
        // The script prints `admin <port>` before `serving <port>`.
        guard let adminPort = PythonHTTPServer.announcedPort(in: server.output, label: "admin") else {
            await server.stop()
            throw TestFailure("the OIDC test issuer announced no admin port; output:\n\(server.output)")
        }
        return OIDCTestIssuer(server: server, adminPort: adminPort, directory: directory)
    }

    /// The bundled script; beside this source file when the resource bundle is not there.
    static var scriptURL: URL {
        Bundle.module.url(forResource: "oidc_issuer", withExtension: "py")
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/oidc_issuer.py")
    }

    /// The CA (PEM) that signed the HTTPS certificate: `directory/ca.pem`.
    public var caFile: URL { directory.appendingPathComponent("ca.pem") }

    /// `https://127.0.0.1:<port>/<name>`, the `iss` of the issuer's tokens and its discovery base.
    public func issuerURL(_ name: String) -> String { "https://127.0.0.1:\(port)" + (name.isEmpty ? "" : "/\(name)") }

    /// What to put in `ACTIONS_ID_TOKEN_REQUEST_URL`. As on a GitHub runner it already carries
    /// `?api-version=2.0`; clients append `&audience=<percent-encoded>` and send a GET with
    /// `Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>`, getting `{"value": "<jwt>"}`.
    public var githubRequestURL: String { "https://127.0.0.1:\(port)/_github/idtoken?api-version=2.0" }

    /// What to put in `SYSTEM_OIDCREQUESTURI`. As in Azure Pipelines it has no query: clients
    /// POST to it with `?api-version=7.1` (required) and `Authorization: Bearer
    /// <SYSTEM_ACCESSTOKEN>`, getting `{"oidcToken": "<jwt>"}` with aud `api://AzureADTokenExchange`.
    public var azureDevOpsRequestURL: String { "https://127.0.0.1:\(port)/_azure_devops/oidctoken" }

    /// A compact JWS from `issuer` with `claims` on top of the defaults `iss` (the issuer's URL),
    /// `iat` and `nbf` (now) and `exp` (now + 300 s); a claim given as `.null` is left out.
    public func mint(issuer: String, claims: [String: JSONValue], alg: String = "RS256", kid: KidChoice = .keys,
                     key: SigningChoice = .current) async throws -> String {
        var body: [String: JSONValue] = ["issuer": .string(issuer), "claims": .object(claims), "alg": .string(alg),
                                         "key": .string(key.rawValue)]
        switch kid {
        case .keys: break
        case .omit: body["kid"] = .null
        case .value(let value): body["kid"] = .string(value)
        }
        return try await field("token", of: admin("/admin/mint", body))
    }

    /// Makes a new current key for `alg` (kid `<issuer>-<n>`) and publishes it; with `retireOld`
    /// the previous key for that alg leaves the JWKS. Returns the new kid.
    public func rotate(issuer: String, alg: String = "RS256", retireOld: Bool = false) async throws -> String {
        try await field("kid", of: admin("/admin/rotate", ["issuer": .string(issuer), "alg": .string(alg),
                                                           "retire_old": .bool(retireOld)]))
    }

    /// Down, every HTTPS request (discovery, JWKS, platform endpoints) is answered 503.
    public func setAvailable(_ up: Bool) async throws {
        _ = try await admin("/admin/availability", ["up": .bool(up)])
    }

    /// The JWKS answer's `Cache-Control: max-age=<seconds>` (300 at start); nil sends none.
    public func setCacheMaxAge(_ seconds: Int?) async throws {
        _ = try await admin("/admin/cache", ["max_age": seconds.map { .number(Double($0)) } ?? .null])
    }

    /// How many JWKS requests reached `issuer`, including those answered 503 while down.
    public func jwksFetches(issuer: String) async throws -> Int {
        try await count(in: "jwks", issuer: issuer)
    }

    /// How many discovery requests reached `issuer`, including those answered 503 while down.
    public func discoveryFetches(issuer: String) async throws -> Int {
        try await count(in: "discovery", issuer: issuer)
    }

    /// The issuer's JWKS as it serves it now (JSON text), for `static_jwks` tokens.
    public func publishedJWKS(issuer: String) async throws -> String {
        let name = issuer.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? issuer
        return String(decoding: try await adminData("/admin/jwks?issuer=\(name)", body: nil), as: UTF8.self)
    }

    /// Sets what a platform's token endpoint hands out: `platform` is `"github"`,
    /// `"azure_devops"` or `"gcp"` (the GCE metadata server; `requestToken` unused; an `aud`
    /// among its claims wins over the audience asked for); its tokens come from `issuer` with `claims` (plus `jti` and the
    /// platform's `aud`), to callers presenting `requestToken` as their bearer token.
    public func configurePlatform(_ platform: String, issuer: String, claims: [String: JSONValue],
                                  requestToken: String) async throws {
        _ = try await admin("/admin/platform", ["platform": .string(platform), "issuer": .string(issuer),
                                                "claims": .object(claims), "request_token": .string(requestToken)])
    }

    /// The last 50 requests to the platform endpoints, oldest first, each
    /// `{method, path, query: {name: value}, headers: {lowercased name: value}, body}`.
    public func platformRequests() async throws -> [JSONValue] {
        guard case .array(let requests)? = try await stats()["platform_requests"] else {
            throw TestFailure("the OIDC test issuer's stats have no platform_requests")
        }
        return requests
    }

    /// Sets how the Kubernetes API emulation (`POST /apis/authentication.k8s.io/v1/tokenreviews`
    /// on the HTTPS port; `GET /version` answers v1.30.2) reviews `token`: it answers `status`
    /// (e.g. `{"authenticated": true, "user": {…}, "audiences": […]}`) to a caller presenting
    /// `reviewerToken` as its bearer token (401 otherwise); unregistered tokens are not authenticated.
    public func configureTokenReview(reviewerToken: String, token: String, status: [String: JSONValue]) async throws {
        _ = try await admin("/admin/tokenreview", ["reviewer_token": .string(reviewerToken), "token": .string(token),
                                                    "status": .object(status)])
    }

    /// What to put in `GCE_METADATA_HOST`: the admin port also answers the GCE metadata
    /// server's identity request (plain HTTP, `Metadata-Flavor: Google` required) with a token
    /// from the `gcp` platform's issuer and claims (``configurePlatform(_:issuer:claims:requestToken:)``).
    public var gceMetadataHost: String { "127.0.0.1:\(adminPort)" }

    /// Stops the script (SIGTERM, then SIGKILL); `directory` is left to the caller.
    public func stop() async { await server.stop() }

    // MARK: - Admin API

    private func stats() async throws -> JSONValue { try await admin("/admin/stats", nil) }

    private func count(in section: String, issuer: String) async throws -> Int {
        guard case .object(let counts)? = try await stats()[section] else {
            throw TestFailure("the OIDC test issuer's stats have no \(section)")
        }
        guard case .number(let value)? = counts[issuer] else { return 0 }
        return Int(value)
    }

    private func field(_ name: String, of answer: JSONValue) throws -> String {
        guard let value = answer[name]?.stringValue else {
            throw TestFailure("the OIDC test issuer answered without \(name): \(answer)")
        }
        return value
    }

    /// POSTs `body` as JSON to `path`, or GETs it when `body` is nil, and decodes the answer.
    func admin(_ path: String, _ body: [String: JSONValue]?) async throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: try await adminData(path, body: body))
    }

    private func adminData(_ path: String, body: [String: JSONValue]?) async throws -> Data {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(adminPort)\(path)")
        if let body {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(try JSONEncoder().encode(JSONValue.object(body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = Data(try await response.body.collect(upTo: 4 << 20).readableBytesView)
        guard response.status.code == 200 else {
            throw TestFailure("the OIDC test issuer refused \(path): \(response.status.code) \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}
