import CLIKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import Server
import Transport

/// How tctl reaches the Auth server: which address and which Admin identity.
///
/// On the Auth host no flags are needed: the config file (`-c`, default `/etc/teleport.yaml`)
/// names the `data_dir`, where the Auth server wrote tctl's identity and its own address.
/// `--identity DIR` (a directory with `admin.crt`, `admin.key`, `ca.pem`) and
/// `--auth-server` select others.
public struct AdminConnection: Sendable {
    public let address: AuthAddress
    let certificatePEM: String
    let keyPEM: String
    let caPEM: String
    /// The Proxy Service's web address as the local teleport.yaml gives it
    /// (`proxy_service.public_addr`, else its `web_listen_addr`), for links such as invites;
    /// nil when tctl runs with `--identity` or the file runs no Proxy Service.
    public let proxyWebAddress: String?

    public init(configPath: String?, authServer: String?, identityDirectory: String?) throws {
        let folder: URL
        var proxyWebAddress: String?
        if let identityDirectory {
            folder = URL(fileURLWithPath: identityDirectory)
        } else {
            let path = configPath ?? ConfigOutputTarget.defaultFilePath
            guard FileManager.default.fileExists(atPath: path) else {
                throw JoinError.badParameter(
                    "cannot find \(path); run tctl on the Auth server with -c <teleport.yaml>, or pass --identity and --auth-server")
            }
            let config = try FileConfig.load(path: path, pluginAuthServiceKeys: BuiltInJoinMethods.registry.authServiceKeys)
            folder = AdminIdentityFile.directory(in: URL(fileURLWithPath: config.teleport.dataDir))
            if config.proxyService.isConfigured, config.proxyService.enabled {
                proxyWebAddress = config.proxyService.publicAddr.first ?? config.proxyService.webListenAddr
            }
        }
        self.proxyWebAddress = proxyWebAddress
        func read(_ name: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            do {
                return try String(contentsOf: url, encoding: .utf8)
            } catch {
                throw JoinError.accessDenied(
                    "cannot read the admin identity file \(url.path): is the Auth server running with this data_dir, and are you root?")
            }
        }
        let pair = try AdminIdentityPair.load(in: folder, now: Date(), read: read)
        certificatePEM = pair.certificatePEM
        keyPEM = pair.keyPEM
        caPEM = try read("ca.pem")
        let addressText = try authServer ?? read("auth_server").trimmingCharacters(in: .whitespacesAndNewlines)
        address = try AuthAddress(parsing: addressText)
    }

    /// Runs `body` with an Admin client; gRPC errors come back as ``JoinError``s.
    public func withAdmin<T: Sendable>(
        _ body: @Sendable (Joinery_V1_AdminService.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        try await withClient { try await body(Joinery_V1_AdminService.Client(wrapping: $0)) }
    }

    /// Runs `body` with a client of the server-access service (`tctl users`), as the Admin.
    public func withAccess<T: Sendable>(
        _ body: @Sendable (Joinery_V1_AccessService.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        try await withClient { try await body(Joinery_V1_AccessService.Client(wrapping: $0)) }
    }

    private func withClient<T: Sendable>(
        _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        let refusals = AuthServerRefusals()
        let transport = try AuthTransports.authenticated(
            address, certificatePEM: certificatePEM, keyPEM: keyPEM, trustedCAsPEM: [caPEM], refusals: refusals)
        return try await refusals.explaining {
            try await RPCErrorTranslation.translating(address) {
                try await withGRPCClient(transport: transport) { client in try await body(client) }
            }
        }
    }
}
