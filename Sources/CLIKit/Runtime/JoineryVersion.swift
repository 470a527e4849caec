/// The version these binaries report (`teleport version`, Ping, heartbeats).
public enum JoineryVersion {
    public static let current = "0.1.0"
}
