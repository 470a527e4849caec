import ArgumentParser
import CLIKit
import CLISupport
import Foundation
import JoinCore
import Logging

/// `teleport start`: runs the services teleport.yaml enables, with Teleport's flags on top.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start the Auth service, or join this machine to a cluster and keep it listed.")

    @Option(name: [.short, .customLong("config")], help: "Path to teleport.yaml (default /etc/teleport.yaml if it exists).")
    var config: String?
    @Option(help: "Comma-separated roles to run: auth, node, proxy, ...")
    var roles: String?
    @Option(help: "Join token, or an absolute path to a file holding it.")
    var token: String?
    @Option(name: .customLong("ca-pin"), help: "CA pin to verify the Auth server with (repeatable).")
    var caPins: [String] = []
    @Option(name: .customLong("auth-server"), help: "Address of the Auth server, host:port.")
    var authServer: String?
    @Option(help: "Address of the Proxy Service to join through, host:port (port 3080 when omitted).")
    var proxy: String?
    @Option(name: .customLong("ca-path"), help: "PEM file of CA certificates to trust the Proxy Service's certificate with (default: the system trust store).")
    var caPath: String?
    @Option(name: .customLong("join-method"), help: "Join method (default: token).")
    var joinMethod: String?
    @Option(help: "Name of this node (default: the hostname).")
    var nodename: String?
    @Option(name: .customLong("data-dir"), help: "Where to keep state (default /var/lib/teleport).")
    var dataDir: String?
    @Option(help: "Labels for this node: k=v,k2=v2.")
    var labels: String?
    @Option(name: .customLong("diag-addr"),
            help: "Serve /healthz, /readyz and Prometheus /metrics over plain HTTP on host:port, e.g. 127.0.0.1:3000.")
    var diagAddr: String?
    @Flag(help: "Do not verify the Auth server's or Proxy Service's certificate (dangerous).")
    var insecure = false
    @Flag(name: [.short, .long], help: "Debug logging.")
    var debug = false

    func run() async throws {
        try await CommandErrors.reporting {
            var file = try loadConfig()
            let requestedRoles = try roles.map(SystemRole.parseList)
            if requestedRoles?.contains(.bot) == true {
                throw JoinError.badParameter("bots join with tbot, not teleport start; --roles takes service roles such as node, proxy, auth")
            }
            try applyFlags(to: &file, roles: requestedRoles)
            try LoggingSetup.bootstrap(file.teleport.log, debug: debug)
            let logger = Logger(label: "teleport")
            StartupSweep.teleport(dataDirectory: URL(fileURLWithPath: file.teleport.dataDir), logger: logger)
            let runsAuth = requestedRoles.map { $0.contains(.auth) }
                ?? (file.authService.enabled && (file.authService.isConfigured || file.teleport.authServer == nil))
            let runsProxy = file.proxyService.isConfigured && file.proxyService.enabled
            if runsAuth || runsProxy { ServerFileLimit.raise(logger: logger) }
            let settled = file
            let insecure = self.insecure
            let readiness = ServiceReadiness(
                notReadyBecause: runsAuth || runsProxy ? "the Auth or Proxy service is not listening yet" : "the node has not joined and heartbeated yet")
            let service: @Sendable () async throws -> Void = {
                if runsAuth {
                    try await AuthServiceRunner(config: settled, logger: logger, readiness: readiness).run()
                } else if runsProxy {
                    // With --roles=node,proxy the process joins as an Instance running both.
                    let proxyRoles = requestedRoles?.filter { $0 != .auth } ?? [.proxy]
                    try await ProxyServiceRunner(config: settled, roles: proxyRoles, logger: logger, readiness: readiness).run()
                } else {
                    let agentRoles = requestedRoles?.filter { $0 != .auth } ?? [.node]
                    try await NodeRunner(config: settled, roles: agentRoles.isEmpty ? [.node] : agentRoles,
                                         insecure: insecure, logger: logger, readiness: readiness).run()
                }
            }
            try await SignalHandling.runUntilTerminated {
                guard let address = settled.teleport.diagAddr else { return try await service() }
                // Bootstraps swift-metrics with Prometheus, once, before anything records.
                _ = ProcessMetrics.registry
                let diagnostics = DiagnosticsServer(address: address, endpoints: DiagnosticsEndpoints(readiness: readiness), logger: logger)
                try await diagnostics.serving(service)
            }
        }
    }

    private func loadConfig() throws -> FileConfig {
        let keys = BuiltInJoinMethods.registry.authServiceKeys
        if let config {
            return try FileConfig.load(path: config, pluginAuthServiceKeys: keys)
        }
        if FileManager.default.fileExists(atPath: ConfigOutputTarget.defaultFilePath) {
            return try FileConfig.load(path: ConfigOutputTarget.defaultFilePath, pluginAuthServiceKeys: keys)
        }
        return FileConfig()
    }

    /// Flags win over the file, as in Teleport.
    private func applyFlags(to file: inout FileConfig, roles: [SystemRole]?) throws {
        if let nodename { file.teleport.nodeName = nodename }
        if let dataDir { file.teleport.dataDir = dataDir }
        if authServer != nil && proxy != nil {
            throw JoinError.badParameter("only one of --auth-server or --proxy should be set")
        }
        if let authServer {
            file.teleport.authServer = authServer
            file.teleport.proxyServer = nil
        }
        if let proxy {
            file.teleport.proxyServer = proxy
            file.teleport.authServer = nil
            file.teleport.authServers = []
        }
        if let caPath { file.teleport.caPath = caPath }
        if !caPins.isEmpty { file.teleport.caPins = try caPins.map(CAPin.init(parsing:)) }
        if token != nil || joinMethod != nil {
            var params = file.teleport.joinParams ?? JoinParamsConfig()
            if let token { params.tokenName = token }
            if let joinMethod { params.method = joinMethod }
            file.teleport.joinParams = params
        }
        if let labels { file.sshService.labels = try LabelsText.parse(labels) }
        if let diagAddr {
            do {
                file.teleport.diagAddr = try DiagnosticsAddress(parsing: diagAddr)
            } catch let error as JoinError {
                throw JoinError.badParameter("--diag-addr: \(error.message)")
            }
        }
        if let roles {
            // --roles decides which services run, whatever the file says.
            file.proxyService.isConfigured = roles.contains(.proxy)
            file.proxyService.enabled = roles.contains(.proxy)
        }
        if let roles, roles.contains(.node), roles.contains(.auth) {
            file.sshService.enabled = true
            file.sshService.isConfigured = true
        }
    }
}
