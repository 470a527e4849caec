import JoinCore
import PluginHost

/// One `join_plugins` entry: a join method served by a separate program, loaded by name
/// without rebuilding Joinery (docs/writing-a-join-method.md).
///
/// ```yaml
/// auth_service:            # or teleport: for the joining side
///   join_plugins:
///     - name: x509pop
///       command: /usr/lib/joinery/plugins/x509pop
///       sha256: 6f1c…          # sha256sum of the program
///       config: {…}            # handed to the plugin as its settings
///       call_timeout: 10s      # optional
/// ```
public struct JoinPluginConfig: Sendable, Equatable, Decodable {
    public var spec: ExternalPluginSpec

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, command, sha256, config, callTimeout = "call_timeout"
    }

    public init(spec: ExternalPluginSpec) {
        self.spec = spec
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func required(_ key: CodingKeys) throws -> String {
            guard let value = try c.decodeIfPresent(String.self, forKey: key).nonEmpty else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "each join_plugins entry needs \(key.rawValue)")
            }
            return value
        }
        let settings = try c.decodeIfPresent(JSONValue.self, forKey: .config) ?? .object([:])
        var timeout: Duration = .seconds(10)
        if let text = try c.decodeIfPresent(String.self, forKey: .callTimeout) {
            guard let seconds = Self.seconds(text), seconds > 0, seconds <= 300 else {
                throw DecodingError.dataCorruptedError(forKey: .callTimeout, in: c,
                    debugDescription: "call_timeout must be a duration such as 500ms, 10s or 1m (at most 5m)")
            }
            timeout = .milliseconds(Int64(seconds * 1000))
        }
        do {
            spec = try ExternalPluginSpec(name: try required(.name), command: try required(.command), sha256: try required(.sha256),
                                          settings: settings, callTimeout: timeout)
        } catch let error as JoinError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    /// `500ms`, `10s`, `2m` → seconds.
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count)), number.isFinite { return number * scale }
        }
        return nil
    }
}
