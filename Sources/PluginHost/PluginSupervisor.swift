import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import PluginProtocol
import JoineryProto
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Keeps one plugin program running and hands out a gRPC client for it. The program is started
/// on first use — its checksum verified every time — and again after any failure: a call that
/// fails, hangs past its deadline or gets garbage marks the program failed, it is stopped, and
/// the next call starts a fresh one. Other join methods never notice.
actor PluginSupervisor {
    typealias Client = Joinery_V1_JoinPlugin.Client<HTTP2ClientTransport.Posix>

    private struct Running {
        let process: PluginProcess
        let grpc: GRPCClient<HTTP2ClientTransport.Posix>
        let connections: Task<Void, any Error>
    }

    let spec: ExternalPluginSpec
    private let joinParams: JSONValue
    private let dataDirectory: URL?
    /// Whether this host uses the program's server half (the Auth server) or its client half.
    private let serverHalf: Bool
    private let logger: Logger
    private let directory: URL
    /// The user the program runs as (`run_as`), resolved when the plugin is loaded.
    private let user: PluginUser?
    private var running: Running?
    /// How many times the program was started, for logs and tests.
    private(set) var starts = 0
    /// The token `spec` sections the program said it owns (from `Describe`).
    private(set) var tokenSpecSections: Set<String> = []

    init(spec: ExternalPluginSpec, serverHalf: Bool, joinParams: JSONValue = .object([:]), dataDirectory: URL? = nil,
         logger: Logger) throws {
        self.spec = spec
        self.serverHalf = serverHalf
        self.joinParams = joinParams
        self.dataDirectory = dataDirectory
        self.logger = logger
        let user = try spec.runAs.map { try PluginUser.resolve($0, plugin: spec.name) }
        self.user = user
        directory = try PluginDirectory.make(plugin: spec.name, user: user)
    }

    deinit {
        running?.process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A client for a running, described program.
    func client() async throws -> Client {
        if let running, running.process.isRunning { return Client(wrapping: running.grpc) }
        if running != nil {
            logger.warning("join plugin exited; starting it again", metadata: ["plugin": "\(spec.name)"])
            stop()
        }
        return try await start()
    }

    /// Starts the program (if needed) and returns what it described.
    func describe() async throws -> Set<String> {
        _ = try await client()
        return tokenSpecSections
    }

    /// Stops the program after a failed call; the next call starts a new one.
    func failed(_ reason: String) {
        logger.warning("join plugin failed; it will be restarted", metadata: ["plugin": "\(spec.name)", "reason": "\(reason)"])
        stop()
    }

    func stop() {
        guard let running else { return }
        self.running = nil
        running.grpc.beginGracefulShutdown()
        running.connections.cancel()
        running.process.terminate()
    }

    private func start() async throws -> Client {
        let executable = try PluginExecutable.stage(spec, in: directory)
        let socket = PluginDirectory.socket(in: directory, start: starts)
        unlink(socket)
        let environment = PluginChildEnvironment.make(
            spec: spec, host: ProcessInfo.processInfo.environment,
            protocolVariables: try PluginChildEnvironment.protocolVariables(settings: spec.settings, joinParams: joinParams,
                                                                            dataDirectory: dataDirectory),
            temporaryDirectory: PluginDirectory.temporary(in: directory), home: user?.home)
        let process = try PluginProcess(executable: executable.path, arguments: ["--socket", socket], environment: environment,
                                        user: user)
        starts += 1
        logger.info("started join plugin", metadata: ["plugin": "\(spec.name)", "pid": "\(process.pid)", "sha256": "\(spec.sha256)",
                                                      "user": "\(user?.name ?? "(the host's)")"])
        let deadline = ContinuousClock.now + .seconds(10)
        while !PluginDirectory.isSocket(socket) {
            guard process.isRunning else {
                throw JoinError.unavailable("join plugin \(spec.name) exited before it was ready; see its output above")
            }
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw JoinError.unavailable("join plugin \(spec.name) did not open its socket within 10 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
        let grpc = GRPCClient(transport: transport)
        let connections = Task { try await grpc.runConnections() }
        running = Running(process: process, grpc: grpc, connections: connections)
        let client = Client(wrapping: grpc)
        do {
            var options = CallOptions.defaults
            options.timeout = spec.callTimeout
            let description = try await client.describe(.with { $0.serverHalf = serverHalf }, options: options)
            guard description.name == spec.name else {
                throw JoinError.badParameter("join plugin \(spec.command) calls itself \"\(description.name)\", not \"\(spec.name)\"")
            }
            guard description.protocolVersion == PluginProtocolVersion.current else {
                throw JoinError.badParameter("join plugin \(spec.name) speaks plugin protocol \(description.protocolVersion); this Joinery speaks \(PluginProtocolVersion.current)")
            }
            tokenSpecSections = Set(description.tokenSpecSections)
        } catch {
            stop()
            if let error = error as? JoinError { throw error }
            if let rpc = error as? RPCError, rpc.code == .failedPrecondition {
                throw JoinError.badParameter("join plugin \(spec.name) cannot start: \(rpc.message)")
            }
            throw JoinError.unavailable("join plugin \(spec.name) did not answer Describe: \(error)")
        }
        return client
    }
}
