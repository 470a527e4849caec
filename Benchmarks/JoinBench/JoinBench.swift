import Foundation
import JoinCore
import Logging
import Server
import StaticJoin
import TestSupport
import TokenJoin
import Transport

/// `joinery-bench`: the join-storm benchmarks of issue 9, measured in one run against one
/// in-process Auth server on SQLite over real gRPC and TLS on 127.0.0.1, next to the crypto
/// floor. Not part of `swift test`; `scripts/bench` builds it in release mode and runs it.
///
///     joinery-bench [--storms 64,256,1024] [--heartbeat-nodes 10000] [--floor-rounds 300]
///                   [--ec2-instances 1000]   (0 skips the EC2 storm)
///                   [--oidc-joiners 256]     (0 skips the OIDC comparison)
///                   [--proxy-storms 1] [--postgres-storms 1]   (0 skips the storms through a
///                                            Proxy Service, or to an Auth server on PostgreSQL)
///     joinery-bench token-probe-timing [--attempts 2000]
///     joinery-bench breakdown [--rounds 300]
///     joinery-bench fleet [--nodes 10000] [--interval 30] [--observe 120]   (``FleetBenchmark``)
///
/// `token-probe-timing` runs only ``TokenProbeTiming``: whether the time to refuse a guessed
/// token name tells unknown, expired and other-method tokens apart.
@main
enum JoinBench {
    struct Options {
        var storms = [64, 256, 1024]
        var heartbeatNodes = 10_000
        var heartbeatRounds = 3
        var floorRounds = 300
        var ec2Instances = 1_000
        var oidcJoiners = 256
        var proxyStorms = true
        var postgresStorms = true

        init(_ arguments: [String]) throws {
            var iterator = arguments.makeIterator()
            while let argument = iterator.next() {
                guard let value = iterator.next() else { throw JoinError.badParameter("\(argument) needs a value") }
                switch argument {
                case "--storms": storms = value.split(separator: ",").compactMap { Int($0) }
                case "--heartbeat-nodes": heartbeatNodes = Int(value) ?? heartbeatNodes
                case "--heartbeat-rounds": heartbeatRounds = Int(value) ?? heartbeatRounds
                case "--floor-rounds": floorRounds = Int(value) ?? floorRounds
                case "--ec2-instances": ec2Instances = Int(value) ?? ec2Instances
                case "--oidc-joiners": oidcJoiners = Int(value) ?? oidcJoiners
                case "--proxy-storms": proxyStorms = try Self.flag(argument, value)
                case "--postgres-storms": postgresStorms = try Self.flag(argument, value)
                default: throw JoinError.badParameter("unknown option \(argument)")
                }
            }
        }

        /// `0` or `1`.
        private static func flag(_ name: String, _ value: String) throws -> Bool {
            guard value == "0" || value == "1" else { throw JoinError.badParameter("\(name) takes 0 or 1, not \(value)") }
            return value == "1"
        }
    }

    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if arguments.first == "token-probe-timing" {
                try await runTokenProbeTiming(Array(arguments.dropFirst()))
            } else if arguments.first == "fleet" {
                try await FleetBenchmark.run(FleetOptions(Array(arguments.dropFirst()))).printReport()
            } else if arguments.first == "fleet-auth" {
                try await FleetAuthServer.run(Array(arguments.dropFirst()))
            } else if arguments.first == "breakdown" {
                try await runBreakdown(Array(arguments.dropFirst()))
            } else {
                try await run(Options(arguments))
            }
        } catch {
            FileHandle.standardError.write(Data("joinery-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func runTokenProbeTiming(_ arguments: [String]) async throws {
        let attempts = try onlyOption("--attempts", of: "token-probe-timing", in: arguments, default: 2_000)
        printHeader("Joinery token probe timing")
        try await TokenProbeTiming.run(attempts: attempts).printReport()
    }

    /// `breakdown [--rounds 300]`: ``JoinCostBreakdown``.
    static func runBreakdown(_ arguments: [String]) async throws {
        let rounds = try onlyOption("--rounds", of: "breakdown", in: arguments, default: 300)
        printHeader("Joinery join cost breakdown")
        try await JoinCostBreakdown.measure(rounds: rounds).printReport()
    }

    /// The positive number a subcommand's one option gives, or `defaultValue` without it.
    private static func onlyOption(_ name: String, of command: String, in arguments: [String], default defaultValue: Int) throws -> Int {
        guard !arguments.isEmpty else { return defaultValue }
        guard arguments.count == 2, arguments[0] == name, let value = Int(arguments[1]), value > 0 else {
            throw JoinError.badParameter("\(command) takes only \(name) <positive number>")
        }
        return value
    }

    /// Every token storm: for each size, direct on SQLite (and insecurely at 256), then the
    /// other paths ``StormPaths`` runs.
    private static func tokenStorms(_ options: Options, cluster: TestCluster, address: AuthAddress,
                                    rateLimits: JoinRateLimiter.Limits) async throws -> TokenStormTables {
        let paths = try await StormPaths(cluster: cluster, address: address, proxy: options.proxyStorms,
                                         postgres: options.postgresStorms, rateLimits: rateLimits)
        do {
            var tables = TokenStormTables()
            for joiners in options.storms {
                for pinned in [true, false] where pinned || joiners == 256 {
                    tables.direct.append(try await JoinStorm.run(cluster: cluster, address: address, joiners: joiners, pinned: pinned))
                }
                tables.paths[joiners] = try await paths.storm(joiners: joiners, cluster: cluster, address: address)
            }
            await paths.stop()
            return tables
        } catch {
            await paths.stop()
            throw error
        }
    }

    private static func printHeader(_ title: String) {
        print("# \(title)")
        print("")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.operatingSystemVersionString)")
        print("")
    }

    static func run(_ options: Options) async throws {
        let rateLimits = JoinRateLimiter.Limits(averagePerSecond: 1_000_000, burst: 1_000_000, maximumConcurrent: 1_000_000)
        let cluster = try await TestCluster(
            registry: JoinMethodRegistry(plugins: [.staticTokens, .storedTokens]), rateLimits: rateLimits)
        let address = try await cluster.start()
        defer { Task { await cluster.stop() } }

        print("# Joinery join benchmarks")
        print("")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.operatingSystemVersionString)")
        print("")

        let floor = try await CryptoFloor.measure(cluster: cluster, address: address, rounds: options.floorRounds)
        print("## Crypto floor (\(options.floorRounds) rounds)")
        print("")
        print("| TLS connection (both ends) | SSH + X.509 host certificates | per join | floor joins/s (\(floor.cores) cores) |")
        print("|---|---|---|---|")
        print(String(format: "| %.2f ms CPU | %.2f ms CPU | %.2f ms CPU | %.0f |", floor.handshakeCPUSeconds * 1000,
                     floor.signingCPUSeconds * 1000, floor.perJoinCPUSeconds * 1000, floor.joinsPerSecond))
        print("")

        let tables = try await tokenStorms(options, cluster: cluster, address: address, rateLimits: rateLimits)
        tables.printDirect(floor: floor)
        tables.printPaths()

        if options.oidcJoiners > 0 {
            let oidc = try await OIDCJoinComparison.run(joiners: options.oidcJoiners)
            print("## OIDC join (gitlab, cached JWKS) next to token, same run")
            print("")
            print("| method | joiners | ok | failed | joins/s | p50 ms | p99 ms | CPU ms/join | JWKS fetches in storm |")
            print("|---|---|---|---|---|---|---|---|---|")
            for (name, storm, fetches) in [("token", oidc.token, "-"), ("gitlab", oidc.gitlab, String(oidc.jwksFetchesDuringStorm))] {
                print(String(format: "| %@ | %d | %d | %d | %.0f | %.0f | %.0f | %.2f | %@ |", name, storm.joiners, storm.succeeded,
                             storm.failed, storm.joinsPerSecond, storm.latency.p50, storm.latency.p99, storm.cpuSecondsPerJoin * 1000, fetches))
                if let error = storm.firstError { print("first error (\(name)): \(error)") }
            }
            print("")
        }

        let heartbeats = try await HeartbeatLoad.run(cluster: cluster, nodes: options.heartbeatNodes, rounds: options.heartbeatRounds)
        print("## Heartbeat load")
        print("")
        print("| nodes | rounds | listed | heartbeats/s | CPU s | RSS after MiB |")
        print("|---|---|---|---|---|---|")
        print(String(format: "| %d | %d | %d | %.0f | %.2f | %.0f |", heartbeats.nodes, heartbeats.rounds, heartbeats.listedNodes,
                     heartbeats.heartbeatsPerSecond, heartbeats.cpuSeconds, heartbeats.rssAfterMiB))

        guard options.ec2Instances > 0 else { return }
        let ec2 = try await EC2JoinStorm.run(instances: options.ec2Instances)
        print("")
        print("## EC2 join storm (moto)")
        print("")
        print("| instances | joined | seconds | joins/s | DescribeInstances calls | joins per call |")
        print("|---|---|---|---|---|---|")
        print(String(format: "| %d | %d | %.2f | %.0f | %d | %.0f |", ec2.instances, ec2.succeeded, ec2.wallSeconds,
                     ec2.joinsPerSecond, ec2.describeCalls, Double(ec2.succeeded) / Double(max(ec2.describeCalls, 1))))
        if let error = ec2.firstError { print("first error: \(error)") }
    }
}
