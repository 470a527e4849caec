import ArgumentParser
import AsyncHTTPClient
import CLIKit
import Crypto
import Foundation
import JoinCore
import NIOCore
import NIOSSL
import Transport

/// `tsh login --proxy=HOST[:PORT] --user=NAME`: asks for the password and an OTP code, has
/// the Proxy Service's Auth server certify two keys generated here, and keeps them (0600)
/// under `~/.tsh` (or `$TELEPORT_HOME`).
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "login", abstract: "Sign in to a cluster through its Proxy Service.")

    @Option(help: "The Proxy Service's web address, host:port (port 3080 when omitted).")
    var proxy: String?
    @Option(help: "The cluster user to sign in as (default: the current OS user).")
    var user: String?
    @Option(help: "How long the certificates should be valid (capped by the roles' max_session_ttl), e.g. 8h.")
    var ttl: String?
    @Flag(help: "Do not verify the Proxy Service's web certificate (dangerous: your password goes to whoever answers).")
    var insecure = false

    func run() async throws {
        try await CommandErrors.reporting {
            let store = ProfileStore()
            let previous = try? store.current()
            guard let proxyText = proxy ?? previous?.proxy else {
                throw JoinError.badParameter("pass --proxy=HOST:PORT, the Proxy Service's web address")
            }
            let address = try AuthAddress(parsing: proxyText, defaultPort: 3080)
            let name = user ?? previous?.user ?? ProcessInfo.processInfo.environment["USER"] ?? "root"
            let lifetime = try ttl.map { try GoDuration(parsing: $0).seconds }
            let password = try SecretPrompt.read("Enter password for Teleport user \(name): ")
            let otp = try SecretPrompt.read("Enter your OTP token: ")
            let sshKey = Curve25519.Signing.PrivateKey()
            let tlsKey = P256.Signing.PrivateKey()
            let request = WebSignIn.Request(
                user: name, password: password, otpToken: otp, pubKey: SSHPublicKey(sshKey.publicKey).authorizedKey,
                tlsPubKey: tlsKey.publicKey.derRepresentation.base64EncodedString(), ttl: lifetime.map { Int64($0) })
            let answer = try await WebAPIClient(proxy: address, insecure: insecure).signIn(request)
            // What the proxy says goes into ssh configurations and known_hosts: only names.
            try ClusterNameCheck.require(answer.clusterName)
            let profile = TshProfile(
                proxy: "\(address)", user: name, cluster: answer.clusterName, insecure: insecure, roles: answer.roles,
                logins: answer.logins, expires: RFC3339.parse(answer.expires) ?? Date())
            try store.save(profile, sshKey: OpenSSHPrivateKeyFile.encode(sshKey, comment: name), sshCertificate: answer.sshCert,
                           tlsKey: tlsKey.pemRepresentation + "\n", tlsCertificate: answer.tlsCert, hostCA: answer.hostCACerts)
            let extensions = (try? SSHCertificate(authorizedKey: answer.sshCert))?.extensions.map(\.name) ?? []
            print(ProfileSummary.render(profile, extensions: extensions), terminator: "")
        }
    }
}

/// The Proxy Service's web API over HTTPS, with its certificate verified as joins verify it:
/// against the PEM bundle `SSL_CERT_FILE` names, else the system trust store (or not at all,
/// with `--insecure`).
struct WebAPIClient {
    let proxy: AuthAddress
    let insecure: Bool

    func signIn(_ request: WebSignIn.Request) async throws -> WebSignIn.Response {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["http/1.1"]
        if insecure {
            tls.certificateVerification = .none
        } else if let bundle = ProcessInfo.processInfo.environment["SSL_CERT_FILE"], !bundle.isEmpty {
            // As for joins (and as OpenSSL and Go read it): the bundle replaces the system's.
            tls.trustRoots = .file(bundle)
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let answer = try await exchange(client, request)
            try await client.shutdown()
            return answer
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func exchange(_ client: HTTPClient, _ request: WebSignIn.Request) async throws -> WebSignIn.Response {
        var http = HTTPClientRequest(url: "https://\(proxy)\(WebSignIn.path)")
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(request)))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(http, timeout: .seconds(30))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw JoinError.unavailable("cannot reach the Proxy Service at \(proxy): \(error)"
                + (insecure ? "" : " (to trust a Proxy Service's own certificate, name a PEM bundle holding its CA in SSL_CERT_FILE, or pass --insecure)"))
        }
        let data = Data(body.readableBytesView)
        guard response.status == .ok else {
            struct Failure: Decodable { struct Message: Decodable { var message: String }; var error: Message }
            let message = (try? JSONDecoder().decode(Failure.self, from: data).error.message) ?? "HTTP \(response.status.code)"
            switch response.status.code {
            case 403, 401: throw JoinError.accessDenied(message)
            case 429: throw JoinError.limitExceeded(message)
            case 400: throw JoinError.badParameter(message)
            default: throw JoinError.unavailable(message)
            }
        }
        do {
            return try JSONDecoder().decode(WebSignIn.Response.self, from: data)
        } catch {
            throw JoinError.internalError("the Proxy Service's answer cannot be read: \(error)")
        }
    }
}

/// A cluster name as tsh accepts it from a proxy: letters, digits, dots and dashes, because it
/// is written into `tsh config`'s ssh configuration and host patterns (a newline or a space
/// there would add settings or hosts).
enum ClusterNameCheck {
    static func require(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 253,
              name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-") }) else {
            throw JoinError.accessDenied("the Proxy Service answered with an unusable cluster name; refusing to save this sign-in")
        }
    }
}
