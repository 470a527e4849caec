import Logging

/// Every parser of untrusted bytes in Joinery, as a libFuzzer target (issue 10).
///
/// The targets live in the main package, not in the fuzz package, so they can reach `package`
/// declarations (parsers stay `internal` to the rest of the world). The fuzz executable
/// (`Fuzz/`, built with sanitizers by `scripts/fuzz`) and the `FuzzRegressionTests` suite,
/// which replays `Fuzz/corpus` and `Fuzz/regressions` in the normal test run, both use this list.
public enum FuzzTargets {
    public static let all: [String: FuzzTarget] = Dictionary(
        uniqueKeysWithValues: list.map { ($0.name, $0) })

    static let list: [FuzzTarget] = [
        JoinMessageFuzzing.request,
        BoundKeypairFuzzing.messages,
        EC2Fuzzing.identityDocument,
        EC2Fuzzing.pkcs7,
        IAMFuzzing.signedRequest,
        SigV4Fuzzing.authorization,
        SSHFuzzing.wire,
        SSHFuzzing.text,
        JWSFuzzing.compact,
        CertificateFuzzing.der,
        CertificateFuzzing.pem,
        ConfigFuzzing.teleport,
        ConfigFuzzing.tbot,
        ConfigFuzzing.resources,
    ]

    /// Sends every log line of the fuzzed code nowhere. For the fuzz executable only: a test
    /// process may bootstrap logging only once, and its suites do their own.
    public static func silenceLogging() {
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
    }
}
