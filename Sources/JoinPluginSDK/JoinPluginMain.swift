import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JoinCore
import JoineryProto
import PluginProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The `main` of a join-method plugin program: a method written against JoinCore's
/// ``JoinMethod`` and ``JoinProver`` — exactly as a built-in one — becomes a program Joinery
/// loads by name (`auth_service.join_plugins`, `teleport.join_plugins`):
///
/// ```swift
/// import JoinPluginSDK
/// try await JoinPluginMain.run(X509PopPlugin.plugin)
/// ```
///
/// It serves the plugin protocol (Proto/joinery/v1/plugin.proto) on the Unix socket Joinery
/// names with `--socket`, and exits when Joinery closes the program's standard input (so a
/// plugin never outlives the process that started it).
public enum JoinPluginMain {
    public static func run(_ plugin: JoinMethodPlugin,
                           arguments: [String] = CommandLine.arguments,
                           environment: [String: String] = ProcessInfo.processInfo.environment) async throws {
        let settings = try PluginEnvironment(arguments: arguments, environment: environment)
        unlink(settings.socketPath)
        let transport = HTTP2ServerTransport.Posix(
            address: .unixDomainSocket(path: settings.socketPath), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [PluginServiceHandler(plugin: plugin, environment: settings)])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            group.addTask {
                await waitForParentToGoAway()
                server.beginGracefulShutdown()
            }
        }
    }

    /// Returns when standard input reaches end of file: Joinery holds the other end of a pipe.
    private static func waitForParentToGoAway() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 256)
                while read(0, &buffer, buffer.count) > 0 {}
                done.resume()
            }
        }
    }
}
