// swift-tools-version:6.1
import PackageDescription

/// libFuzzer harness for Joinery's parsers of untrusted bytes (issue 10). Kept out of the main
/// package because it is built with sanitizer flags (`-sanitize=fuzzer,address`) that the
/// normal build must not see; the targets themselves live in the main package's `FuzzTargets`
/// library, so they can reach `package` declarations. Build and run with `scripts/fuzz`.
let package = Package(
    name: "JoineryFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Joinery", path: ".."),
    ],
    targets: [
        // Declares libFuzzer's driver entry point, which main.swift calls.
        .target(name: "CLibFuzzer"),
        .executableTarget(
            name: "joinery-fuzz",
            dependencies: ["CLibFuzzer", .product(name: "FuzzTargets", package: "Joinery")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
