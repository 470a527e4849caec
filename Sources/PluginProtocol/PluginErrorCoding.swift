import JoinCore
import JoineryProto

/// ``JoinError`` on the plugin wire: failures travel in-band (`PluginError`) so a method's
/// kind and message reach the joining client exactly as a built-in method's would.
public enum PluginErrorCoding {
    public static func wire(_ error: any Error) -> Joinery_V1_PluginError {
        let joinError = error as? JoinError
            ?? JoinError.internalError("the join plugin failed: \(String(describing: type(of: error)))")
        return .with {
            $0.kind = joinError.kind.rawValue
            $0.message = joinError.message
        }
    }

    /// The error a plugin sent. An unknown kind or an empty message is garbage, reported as
    /// such rather than passed on.
    public static func error(_ wire: Joinery_V1_PluginError, plugin: String) -> JoinError {
        guard let kind = JoinError.Kind(rawValue: wire.kind), !wire.message.isEmpty, wire.message.count <= 2048 else {
            return JoinError.unavailable("the join plugin \(plugin) answered with a malformed error")
        }
        return JoinError(kind, wire.message)
    }
}
