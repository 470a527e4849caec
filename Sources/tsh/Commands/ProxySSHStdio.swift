import Foundation
import JoinCore
import Logging
import ReverseTunnel
import Transport

/// `tsh proxy ssh`'s work: the user's certificate and the proxy's trust from the profile,
/// then standard input and output spliced to the node through the Proxy Service.
struct ProxySSHStdio {
    let profile: TshProfile
    let store: ProfileStore

    func run(target: String) async throws {
        let paths = store.paths(profile)
        let dialer = ProxySSHDialer(
            proxyAddress: try AuthAddress(parsing: profile.proxy, defaultPort: 3080),
            dialer: ClusterDialer(proxy: .init(insecure: profile.insecure), environment: try ProxyEnvironment(),
                                  logger: Logger(label: "tsh")),
            userCertificatePEM: try store.read(paths.tlsCertificate), userPrivateKeyPEM: try store.read(paths.tlsKey),
            hostCACertificatesPEM: [try store.read(paths.hostCA)])
        do {
            try await dialer.proxyCommand(to: target)
        } catch let refusal as ProxySSHRefusal {
            throw JoinError.accessDenied(refusal.description)
        }
    }
}
