import Foundation
import JoinCore

/// The `x509pop` join method: a host proves it holds the private key of a certificate issued
/// by the operator's own X.509 CA (as SPIRE's `x509pop` node attestor does).
///
/// It is built outside Joinery, against the same `JoinMethodPlugin` contract as the built-in
/// methods, and runs as a separate program (`Sources/x509pop/main.swift`) that Joinery loads by
/// name from `join_plugins`. Joinery hands the program its `config` as the plugin's settings:
/// ``X509PopServerSettings`` on the Auth server, ``X509PopProverSettings`` on a joining host.
public enum X509Pop {
    /// The name in `join_method:`, `join_params.method:` and the `join_plugins` entry.
    public static let methodName = "x509pop"

    /// The token `spec` section the method owns.
    public static let tokenSection = "x509pop"

    /// The plugin the program serves: each half is made from the settings in its context
    /// (`PluginContext.settings`, `ProverContext.settings`).
    public static let plugin = JoinMethodPlugin(
        name: methodName,
        makeMethod: { try X509PopJoinMethod(context: $0) },
        makeProver: { try X509PopProver(context: $0) }
    )

    /// The same plugin with its settings fixed, for in-process use (tests, a registry built by
    /// hand), where nothing fills the contexts' `settings`: `server` replaces
    /// `PluginContext.settings` and `prover` replaces `ProverContext.settings`; everything else
    /// in the contexts (clock, logger, data directory) passes through unchanged, and the halves
    /// are made exactly as ``plugin`` makes them.
    public static func plugin(serverSettings server: JSONValue, proverSettings prover: JSONValue) -> JoinMethodPlugin {
        JoinMethodPlugin(
            name: methodName,
            makeMethod: { context in
                var context = context
                context.settings = server
                return try plugin.makeMethod(context)
            },
            makeProver: { context in
                var context = context
                context.settings = prover
                return try plugin.makeProver(context)
            }
        )
    }
}
