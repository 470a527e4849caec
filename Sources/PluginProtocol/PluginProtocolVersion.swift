/// The version of the plugin protocol (Proto/joinery/v1/plugin.proto) this Joinery speaks.
/// A plugin reports its own in `Describe`; the host starts only a plugin that speaks this one.
public enum PluginProtocolVersion {
    public static let current: Int32 = 1
}
