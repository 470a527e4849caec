import Agent
import Foundation
import JoinCore
import Logging
import NIOSSH
import ReverseTunnel
import SSHService
import Transport

/// The SSH Service of a joined node (`ssh_service`): the host key from the join, users'
/// certificates checked against the cluster's user CA, decisions made with the Auth server
/// (``AuthBackedSSHPolicy``), sessions audited there.
///
/// A node that joined through a Proxy Service (`proxy_server`) listens on no port: it keeps a
/// reverse tunnel to the proxy, which asks it to dial back for each session. A node that
/// joined an Auth server directly listens on `ssh_service.listen_addr`.
struct NodeSSHService: Sendable {
    let identity: Identity
    let authServer: AuthAddress
    let dialer: ClusterDialer
    let config: SSHServiceConfig
    let logger: Logger

    /// How long to wait between attempts to fetch the user CA while the Auth server is away.
    static let retryInterval: Duration = .seconds(5)

    func run() async {
        let client = NodeAccessClient(authServer: authServer, dialer: dialer, certificatePEM: identity.tlsCertificate,
                                      keyPEM: identity.tlsPrivateKey, trustedCAsPEM: identity.tlsCACertificates)
        let server: SSHServer
        do {
            let userCAKeys = try await fetchUserCAKeys(client)
            server = SSHServer(settings: SSHServiceSettings(
                hostKey: try SSHHostKeyLoader.load(openSSHPrivateKey: identity.sshPrivateKey), trustedUserCAKeys: userCAKeys,
                policy: AuthBackedSSHPolicy(client: client, logger: logger), auditor: AuthSessionAuditor(client: client, logger: logger)),
                logger: logger)
        } catch {
            if !Task.isCancelled { logger.error("the SSH Service cannot start", metadata: ["error": "\(error)"]) }
            return
        }
        if dialer.isViaProxy {
            await serveThroughTunnel(server)
        } else {
            await listen(server)
        }
        await server.stop()
    }

    private func serveThroughTunnel(_ server: SSHServer) async {
        let agent = ReverseTunnelAgent(
            settings: ReverseTunnelAgentSettings(proxyAddress: authServer, dialer: dialer, certificatePEM: identity.tlsCertificate,
                                                 privateKeyPEM: identity.tlsPrivateKey, hostCACertificatesPEM: identity.tlsCACertificates),
            acceptor: { channel, clientAddress in server.serve(channel: channel, clientAddress: clientAddress) },
            logger: logger)
        logger.info("SSH Service is reachable through a reverse tunnel to the Proxy Service", metadata: ["proxy": "\(authServer)"])
        await agent.run()
    }

    private func listen(_ server: SSHServer) async {
        do {
            let address = try AuthAddress(parsing: config.listenAddr, defaultPort: 3022)
            let bound = try await server.listen(host: address.host, port: address.port)
            logger.info("SSH Service is listening", metadata: ["addr": "\(bound)"])
            try await Task.sleep(for: .seconds(Double(Int32.max)))
        } catch where !Task.isCancelled {
            logger.error("the SSH Service could not listen on ssh_service.listen_addr \(config.listenAddr); the node keeps heartbeating without it",
                         metadata: ["error": "\(error)"])
        } catch {}
    }

    /// The user CA's SSH keys, asked of the Auth server until it answers.
    private func fetchUserCAKeys(_ client: NodeAccessClient) async throws -> [NIOSSHPublicKey] {
        var warned = false
        while true {
            do {
                let keys = try await client.withAccess { try await $0.getUserCertAuthority(.init()).sshPublicKeys }
                return try keys.map { try NIOSSHPublicKey(openSSHPublicKey: $0) }
            } catch let error as JoinError where error.kind == .accessDenied {
                throw error
            } catch {
                if !warned {
                    logger.warning("the SSH Service is waiting for the Auth server to learn the user CA", metadata: ["error": "\(error)"])
                    warned = true
                }
                try await Task.sleep(for: Self.retryInterval)
            }
        }
    }
}
