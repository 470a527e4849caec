/// The version these binaries report (`teleport version`, Ping, heartbeats).
public enum JoineryVersion {
    public static let current = "0.1.0"

    /// What `teleport version`, `tctl version` and `tbot version` print: `Teleport v0.1.0 (Joinery)`.
    public static var banner: String { "Teleport v\(current) (Joinery)" }
}
