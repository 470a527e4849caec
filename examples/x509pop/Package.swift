// swift-tools-version:6.1
import PackageDescription

/// x509pop: a Joinery join method built outside the Joinery tree, as a plugin program.
/// See README.md. It depends on Joinery only through the products JoinCore and JoinPluginSDK
/// (and, for its tests, the conformance kit and the test cluster).
let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "x509pop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "x509pop", targets: ["x509pop"]),
        .library(name: "X509PopJoin", targets: ["X509PopJoin"]),
    ],
    dependencies: [
        .package(name: "Joinery", path: "../.."),
        // The same requirements as Joinery's Package.swift, so both resolve to the same versions.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // The method: both halves, the token section, the payload and challenge formats, errors.
        .target(
            name: "X509PopJoin",
            dependencies: [
                .product(name: "JoinCore", package: "Joinery"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // The program Joinery starts (auth_service.join_plugins / teleport.join_plugins).
        .executableTarget(
            name: "x509pop",
            dependencies: [
                "X509PopJoin",
                .product(name: "JoinPluginSDK", package: "Joinery"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "X509PopTests",
            dependencies: [
                "X509PopJoin",
                .product(name: "JoinCore", package: "Joinery"),
                .product(name: "JoinMethodConformance", package: "Joinery"),
                .product(name: "TestSupport", package: "Joinery"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
