/// The `version:` of a teleport.yaml. v3 is current; v1 and v2 are read for old files.
///
/// The version decides which connection fields are legal: v1/v2 take the `auth_servers`
/// list, v3 takes exactly one of `auth_server` or `proxy_server`.
public enum ConfigVersion: String, Sendable, Equatable, CaseIterable {
    case v1, v2, v3

    /// Teleport treats a file without `version:` as v1.
    public static let missingVersionDefault = ConfigVersion.v1

    /// Parses `v3` (any case); `nil` for versions we do not read.
    public init?(parsing text: String) {
        self.init(rawValue: text.lowercased())
    }
}
