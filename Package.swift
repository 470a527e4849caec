// swift-tools-version:6.1
import PackageDescription

/// Joinery: Teleport-style cluster joining. See docs/ (architecture.md for the design).
let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Joinery",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "teleport", targets: ["teleport"]),
        .executable(name: "tctl", targets: ["tctl"]),
        .executable(name: "tbot", targets: ["tbot"]),
        .library(name: "JoinCore", targets: ["JoinCore"]),
        // The join-method conformance kit, for method suites here and for out-of-tree plugins (examples/).
        .library(name: "JoinMethodConformance", targets: ["JoinMethodConformance"]),
        // The in-process test cluster the kit runs on, for out-of-tree suites that name TestCluster.
        .library(name: "TestSupport", targets: ["TestSupport"]),
        // What an out-of-tree join method needs (see examples/x509pop).
        .library(name: "JoinPluginSDK", targets: ["JoinPluginSDK"]),
        // For the libFuzzer harness in Fuzz/ (a separate package built with sanitizers).
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", from: "0.15.1"),
    ],
    targets: [
        // The plugin contract and shared vocabulary: tokens, roles, errors, pins, SSH wire format.
        .target(
            name: "JoinCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The wire contract: generated protobuf and gRPC code (scripts/generate-proto).
        .target(
            name: "JoineryProto",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            path: "Proto/Generated",
            swiftSettings: swiftSettings
        ),
        // The Auth service: CAs and issuance, backends, gRPC services, audit, rate limits.
        .target(
            name: "Server",
            dependencies: [
                "JoinCore", "JoineryProto", "ListenSockets", "AccessControl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Server ports: listening sockets with the kernel's full backlog, and the open-file limit
        // a server holding a fleet's connections needs.
        .target(
            name: "ListenSockets",
            dependencies: ["JoinCore"],
            swiftSettings: swiftSettings
        ),
        // The client-side transport to the cluster, below Agent and ProxyService: Auth addresses
        // and failover, the pinned, unverified and mTLS connections to the Auth server, and the
        // local tunnel (HTTP CONNECT proxies, TLS to a Proxy Service).
        .target(
            name: "Transport",
            dependencies: [
                "JoinCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The joining side: join client, identity store, heartbeats, the route to the cluster
        // (proxy_server / auth_server, ca_path), and the bot runtime tbot runs (BotRunner).
        .target(
            name: "Agent",
            dependencies: [
                "JoinCore", "JoineryProto", "Transport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Outbound HTTP every cloud call shares: a deadline and a size limit on each answer,
        // and the HTTP proxy HTTPS_PROXY / HTTP_PROXY / NO_PROXY name.
        .target(
            name: "OutboundHTTP",
            dependencies: [
                "JoinCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the OIDC join methods share: discovery and a JWKS cache per issuer, ID token
        // verification (jwt-kit), the allow-rule engine, the generic method and prover.
        .target(
            name: "OIDCKit",
            dependencies: [
                "JoinCore", "OutboundHTTP",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // AWS plumbing shared by the EC2 and IAM methods: SigV4, credentials, query APIs, IMDSv2.
        .target(
            name: "AWSKit",
            dependencies: [
                "JoinCore", "OutboundHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // System OpenSSL, for PKCS#7 verification of EC2 identity documents (LIBRARIES.md).
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "StaticJoin", dependencies: ["JoinCore"], path: "Plugins/Static", swiftSettings: swiftSettings),
        .target(
            name: "IAMJoin",
            dependencies: [
                "JoinCore", "AWSKit", "OutboundHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/IAM",
            resources: [.copy("Resources/sts-endpoints.txt")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EC2Join",
            dependencies: ["JoinCore", "AWSKit", "COpenSSL", "OpenSSLKit", .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Logging", package: "swift-log")],
            path: "Plugins/EC2",
            resources: [.copy("Resources/rsa2048")],
            swiftSettings: swiftSettings
        ),
        .target(name: "TokenJoin", dependencies: ["JoinCore"], path: "Plugins/Token", swiftSettings: swiftSettings),
        // What system OpenSSL does that swift-crypto and swift-certificates do not, shared by the
        // methods that need it: PKCS#7 SignedData (ec2, azure), certificate chains with partial
        // trust, RSA-OAEP with a label and AES-CFB (tpm's credential activation).
        .target(name: "OpenSSLKit", dependencies: ["COpenSSL"], path: "Sources/OpenSSLKit", swiftSettings: swiftSettings),
        // The joining side of the tpm method, in C over the TCG software stack (libtss2 ESYS).
        .target(
            name: "CTPMClient",
            path: "Sources/CTPMClient",
            linkerSettings: [
                .linkedLibrary("tss2-esys"), .linkedLibrary("tss2-tctildr"), .linkedLibrary("tss2-mu"), .linkedLibrary("tss2-rc"),
            ]
        ),
        .target(
            name: "TPMJoin",
            dependencies: [
                "JoinCore", "OpenSSLKit", "CTPMClient",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/TPM",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AzureJoin",
            dependencies: [
                "JoinCore", "OIDCKit", "OpenSSLKit",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/Azure",
            resources: [.copy("Resources/roots")],
            swiftSettings: swiftSettings
        ),
        // The OIDC join methods: each a profile over OIDCKit and the way its joiner gets a token.
        .target(name: "GitHubJoin", dependencies: ["JoinCore", "OIDCKit"], path: "Plugins/GitHub", swiftSettings: swiftSettings),
        .target(name: "GitLabJoin", dependencies: ["JoinCore", "OIDCKit"], path: "Plugins/GitLab", swiftSettings: swiftSettings),
        .target(name: "CircleCIJoin", dependencies: ["JoinCore", "OIDCKit"], path: "Plugins/CircleCI", swiftSettings: swiftSettings),
        .target(name: "BitbucketJoin", dependencies: ["JoinCore", "OIDCKit"], path: "Plugins/Bitbucket", swiftSettings: swiftSettings),
        .target(name: "TerraformCloudJoin", dependencies: ["JoinCore", "OIDCKit"], path: "Plugins/TerraformCloud", swiftSettings: swiftSettings),
        .target(name: "SpaceliftJoin", dependencies: ["JoinCore", "OIDCKit"], path: "Plugins/Spacelift", swiftSettings: swiftSettings),
        .target(name: "AzureDevOpsJoin", dependencies: ["JoinCore", "OIDCKit"], path: "Plugins/AzureDevOps", swiftSettings: swiftSettings),
        .target(name: "Env0Join", dependencies: ["JoinCore", "OIDCKit"], path: "Plugins/Env0", swiftSettings: swiftSettings),
        .target(name: "KubernetesJoin", dependencies: ["JoinCore", "OIDCKit", .product(name: "NIOHTTP1", package: "swift-nio")], path: "Plugins/Kubernetes", swiftSettings: swiftSettings),
        .target(name: "GCPJoin", dependencies: ["JoinCore", "OIDCKit", .product(name: "NIOHTTP1", package: "swift-nio")], path: "Plugins/GCP", swiftSettings: swiftSettings),
        .target(name: "GenericOIDCJoin", dependencies: ["JoinCore", "OIDCKit"], path: "Plugins/GenericOIDC", swiftSettings: swiftSettings),
        .target(
            name: "BoundKeypairJoin",
            dependencies: [
                "JoinCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/BoundKeypair",
            swiftSettings: swiftSettings
        ),
        // The Proxy Service: one TLS web port routing by ALPN to the web API, the join service
        // (forwarded to Auth with the client's address) and a byte tunnel to Auth; its web
        // certificate (the operator's, or a self-signed one kept in data_dir/proxy).
        .target(
            name: "ProxyService",
            dependencies: [
                "JoinCore", "JoineryProto", "Transport", "ListenSockets", "ReverseTunnel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What both sides of the plugin protocol share: the protocol version, errors on the wire,
        // and the environment a plugin program is started with.
        .target(name: "PluginProtocol", dependencies: ["JoinCore", "JoineryProto"], swiftSettings: swiftSettings),
        // The plugin side of external join methods: serves a JoinMethodPlugin over the plugin
        // protocol (Proto/joinery/v1/plugin.proto) on the Unix socket Joinery names.
        .target(
            name: "JoinPluginSDK",
            dependencies: [
                "JoinCore", "JoineryProto", "PluginProtocol",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: swiftSettings
        ),
        // Starts a plugin program with only fds 0-2, a chosen user and no new privileges
        // (fork/exec in C: posix_spawn cannot change the user).
        .target(name: "CPluginSpawn"),
        // The host side: starts, checks (SHA-256), supervises and restarts plugin programs, and
        // presents them to the registry as ordinary JoinMethodPlugin values.
        .target(
            name: "PluginHost",
            dependencies: [
                "JoinCore", "JoineryProto", "PluginProtocol", "CPluginSpawn",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Server access: roles (v7), users' passwords and second factors, and the rule that
        // decides whether a user may log in as a Unix login on a labelled node. Shared by the
        // Auth server, the SSH Service and tsh.
        .target(
            name: "AccessControl",
            dependencies: [
                "JoinCore", "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // The C half of the SSH Service: a session's process started as a Unix user, on a PTY or pipes.
        .target(name: "CSessionSpawn", path: "Sources/CSessionSpawn"),
        // The SSH Service a node runs (swift-nio-ssh): host key from the join, user certificates
        // from the cluster's user CA, exec and interactive sessions as the login's Unix user.
        .target(
            name: "SSHService",
            dependencies: [
                "JoinCore", "AccessControl", "CSessionSpawn",
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Reverse tunnels: a node behind a firewall keeps an outbound connection to the Proxy
        // Service, which asks it through that connection to dial back for each SSH session.
        .target(
            name: "ReverseTunnel",
            dependencies: [
                "JoinCore", "Transport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What every executable shares, without the Auth server: logging, command errors, the
        // YAML helpers, join_plugins and the built-in join methods, and tbot.yaml. tbot needs
        // only this, so it links no Server, GRDB, PostgresNIO, ProxyService or Prometheus.
        .target(
            name: "CLIKit",
            dependencies: [
                "JoinCore", "Agent", "Transport", "PluginHost", "StaticJoin", "TokenJoin", "EC2Join", "IAMJoin", "BoundKeypairJoin",
                "GitHubJoin", "GitLabJoin", "CircleCIJoin", "BitbucketJoin", "TerraformCloudJoin", "SpaceliftJoin", "AzureDevOpsJoin", "Env0Join", "GenericOIDCJoin", "KubernetesJoin", "GCPJoin", "AzureJoin", "TPMJoin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What teleport and tctl share on top of CLIKit: teleport.yaml, the service runners
        // (Auth, Proxy, node), the diagnostics endpoint, tctl's admin connection and output.
        .target(
            name: "CLISupport",
            dependencies: [
                "CLIKit", "JoinCore", "JoineryProto", "Server", "Agent", "Transport", "ProxyService", "ListenSockets",
                // Server access: the node's SSH Service and reverse tunnel, and its access decisions.
                "SSHService", "ReverseTunnel", "AccessControl",
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                // The diagnostics endpoint (`--diag-addr`): plain HTTP/1 and Prometheus metrics.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "teleport", dependencies: ["CLISupport", "CLIKit", .product(name: "ArgumentParser", package: "swift-argument-parser"), "JoinCore", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        // tsh: users sign in through the Proxy Service and reach nodes (OpenSSH does the SSH).
        .executableTarget(
            name: "tsh",
            dependencies: [
                "CLIKit", "JoinCore", "JoineryProto", "Transport", "ReverseTunnel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(name: "tbot", dependencies: ["CLIKit", "Agent", "BoundKeypairJoin", "JoinCore", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .executableTarget(name: "tctl", dependencies: ["CLISupport", "CLIKit", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRPCCore", package: "grpc-swift-2"), "JoinCore", "JoineryProto", "BoundKeypairJoin"], swiftSettings: swiftSettings),
        // Join-storm benchmarks (issue 9); not part of `swift test`. Run with scripts/bench.
        .executableTarget(
            name: "joinery-bench",
            dependencies: [
                "Server", "Agent", "Transport", "JoinCore", "JoineryProto", "StaticJoin", "TokenJoin", "EC2Join", "AWSKit", "TestSupport",
                "GitLabJoin",
                // The storms through a Proxy Service.
                "ProxyService",
                // The fleet's Auth server process raises its open-file limit as teleport start does.
                "ListenSockets",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            path: "Benchmarks/JoinBench",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ProxyServiceTests",
            dependencies: [
                "ProxyService", "Agent", "Transport", "Server", "JoinCore", "JoineryProto", "StaticJoin", "TokenJoin", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Every parser of untrusted bytes as a fuzz target (issue 10): driven by libFuzzer from
        // Fuzz/ (scripts/fuzz) and replayed over Fuzz/corpus and Fuzz/regressions by FuzzRegressionTests.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "JoinCore", "JoineryProto", "Server", "Transport", "AWSKit", "StaticJoin", "EC2Join", "IAMJoin", "BoundKeypairJoin", "CLISupport", "CLIKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Fuzz/Targets",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"], swiftSettings: swiftSettings),
        // A deliberately simple (and deliberately misbehaving, on request) external join method
        // for the plugin-host tests.
        .executableTarget(
            name: "joinery-fixture-plugin",
            dependencies: [
                "JoinPluginSDK", "PluginProtocol", "JoinCore", "JoineryProto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            path: "Tests/PluginFixture",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PluginHostTests",
            dependencies: [
                "PluginHost", "PluginProtocol", "JoinCore", "Server", "Agent", "StaticJoin", "TokenJoin", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "JoinCoreTests", dependencies: ["JoinCore", "TestSupport", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"), .product(name: "X509", package: "swift-certificates"), .product(name: "Yams", package: "Yams")], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "JoinCore", "StaticJoin", "TokenJoin", "Agent", "Transport", "BackendTestSuite", "TestSupport", "AWSKit", "AccessControl",
                "ListenSockets",
                // The audit trail suite provokes each method's attestation failures.
                "EC2Join", "IAMJoin", "BoundKeypairJoin",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                "JoineryProto",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings),
        // The joining side, including the bot runtime: ClusterRoute against a real Auth server and
        // Proxy Service (`teleport`), and tbot's identity outputs with certificates Server issues.
        .testTarget(
            name: "AgentTests",
            dependencies: [
                "Agent", "Transport", "JoinCore", "Server", "TestSupport", "TokenJoin", "teleport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TransportTests",
            dependencies: [
                "Transport", "JoinCore", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "StaticTests", dependencies: ["StaticJoin", "JoinCore", "Server", "TestSupport", "JoinMethodConformance"], swiftSettings: swiftSettings),
        // Several Auth servers on one PostgreSQL: shared CAs, single use across servers, failover.
        .testTarget(
            name: "HighAvailabilityTests",
            dependencies: [
                "Server", "Agent", "Transport", "JoinCore", "TokenJoin", "BoundKeypairJoin", "TestSupport", "teleport", "tctl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings),
        // OIDCKit and the OIDC join methods, against a real issuer on 127.0.0.1 (TestSupport's OIDCTestIssuer).
        .testTarget(
            name: "OIDCTests",
            dependencies: [
                "OIDCKit", "OutboundHTTP", "JoinCore", "Server", "Agent", "TokenJoin", "TestSupport", "JoinMethodConformance", "CLIKit",
                "GitHubJoin", "GitLabJoin", "CircleCIJoin", "BitbucketJoin", "TerraformCloudJoin", "SpaceliftJoin", "AzureDevOpsJoin", "Env0Join", "GenericOIDCJoin", "KubernetesJoin", "GCPJoin", "AzureJoin",
                "teleport", "tctl", "tbot",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "BoundKeypairTests", dependencies: ["BoundKeypairJoin", "JoinCore", "Server", "Agent", "TokenJoin", "TestSupport", "JoinMethodConformance", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        // The tpm method against software TPMs (swtpm) with EK certificates from a local CA.
        .testTarget(name: "TPMTests", dependencies: ["TPMJoin", "JoinCore", "Server", "Agent", "Transport", "TestSupport", "JoinMethodConformance", .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams")], swiftSettings: swiftSettings),
        .testTarget(name: "TokenTests", dependencies: ["TokenJoin", "JoinCore", "Server", "TestSupport", "JoinMethodConformance"], swiftSettings: swiftSettings),
        .testTarget(name: "IAMTests", dependencies: ["IAMJoin", "AWSKit", "JoinCore", "Server", "Agent", "TokenJoin", "TestSupport", "teleport", "tctl", "JoinMethodConformance", .product(name: "AsyncHTTPClient", package: "async-http-client"), "JoineryProto", .product(name: "Logging", package: "swift-log"), .product(name: "NIOHTTP1", package: "swift-nio")], swiftSettings: swiftSettings),
        .testTarget(
            name: "AWSKitTests",
            dependencies: ["AWSKit", "OutboundHTTP", "JoinCore", "TestSupport", .product(name: "Yams", package: "Yams"), .product(name: "MetricsTestKit", package: "swift-metrics"), .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Metrics", package: "swift-metrics"), .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: swiftSettings),
        .testTarget(name: "EC2Tests", dependencies: ["EC2Join", "AWSKit", "JoinCore", "Server", "Agent", "StaticJoin", "TokenJoin", "TestSupport", "teleport", "tctl", "JoinMethodConformance"], swiftSettings: swiftSettings),
        // The backend behaviour every backend must show; run unchanged by each backend's tests.
        .target(
            name: "BackendTestSuite",
            dependencies: ["Server", "JoinCore"],
            path: "Tests/BackendTestSuite",
            swiftSettings: swiftSettings
        ),
        // Test helpers shared by suites that run real processes: spawning, free ports, moto, a fake IMDS, PostgreSQL,
        // a real OIDC issuer over HTTPS.
        .target(
            name: "TestSupport",
            dependencies: [
                "JoinCore", "JoineryProto", "Server", "Agent", "Transport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                // OIDCTestIssuer's admin calls.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/TestSupport",
            // The invite-page browser driver and its self-test are run from the source tree.
            exclude: ["Scripts/invite_browser.py", "Scripts/invite_browser_selftest.py"],
            // The OIDC issuer OIDCTestIssuer runs (Python, standard library and cryptography).
            resources: [.copy("Scripts/oidc_issuer.py")],
            swiftSettings: swiftSettings
        ),
        // The behaviour every join method must show (DESIGN.md §4.4), run by each method's suite.
        .target(
            name: "JoinMethodConformance",
            dependencies: [
                "JoinCore", "Server", "Agent", "JoineryProto", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/JoinMethodConformance",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JoinMethodConformanceTests",
            dependencies: [
                "JoinMethodConformance", "JoinCore", "Server", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        // The Swift samples of docs/writing-a-join-method.md, compiled and run (scripts/extract-doc-samples),
        // and the check that they are the guide's.
        .testTarget(
            name: "DocSampleTests",
            dependencies: [
                "JoinCore", "Server", "JoineryProto", "TestSupport", "JoinMethodConformance",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // Who may speak as whom (issue 15): real TLS impostors holding other identities of the cluster.
        .testTarget(
            name: "TrustTests",
            dependencies: [
                "Agent", "Transport", "Server", "ProxyService", "JoinCore", "StaticJoin", "TokenJoin", "TestSupport", "teleport", "tctl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "CLISupportTests", dependencies: ["CLISupport", "CLIKit", "JoinCore", "SSHService", "AccessControl", "BoundKeypairJoin", "AWSKit", .product(name: "Yams", package: "Yams"), "Agent", "Transport", "Server", "TestSupport", .product(name: "Crypto", package: "swift-crypto"), "JoineryProto", .product(name: "Logging", package: "swift-log"), .product(name: "SwiftASN1", package: "swift-asn1"), .product(name: "X509", package: "swift-certificates")], swiftSettings: swiftSettings),
        // The guides' marked flows, run against the built binaries (Tests/DocFlowTests/DocFlow.swift).
        .testTarget(name: "DocFlowTests", dependencies: ["TestSupport", "teleport", "tctl", "tbot"], swiftSettings: swiftSettings),
        // Server access against the real binaries (teleport, tctl, tsh), OpenSSH, headless
        // Chromium and tmux: seed guide 001 end to end, refusals, reverse tunnels.
        .testTarget(
            name: "ServerAccessTests",
            dependencies: ["TestSupport", "AccessControl", "JoinCore", "teleport", "tctl", "tsh"],
            swiftSettings: swiftSettings),
        .testTarget(name: "IntegrationTests", dependencies: ["JoinCore", "Agent", "Transport", "PluginHost", "TestSupport", "teleport", "tctl", "tbot", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "AccessControlTests", dependencies: ["AccessControl", "JoinCore", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        .testTarget(
            name: "SSHServiceTests",
            dependencies: [
                "SSHService", "AccessControl", "JoinCore", "TestSupport",
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ReverseTunnelTests",
            dependencies: [
                "ReverseTunnel", "ProxyService", "Transport", "JoinCore", "Server", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
    ]
)
