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
///       env: {AWS_REGION: eu-west-1}           # optional: set for the plugin as written
///       pass_env: [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, HTTPS_PROXY]   # optional: copied from this process
///       run_as: joinery-plugin                # optional: needs this process to run as root
/// ```
///
/// The plugin's environment is a minimal base plus these and nothing else of this process's
/// (PluginHost's `PluginChildEnvironment` says what the base is and why).
public struct JoinPluginConfig: Sendable, Equatable, Decodable {
    public var spec: ExternalPluginSpec

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, command, sha256, config, callTimeout = "call_timeout"
        case env, passEnv = "pass_env", runAs = "run_as"
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
        let environment: [String: String]
        do {
            environment = try c.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .env, in: c,
                debugDescription: "env must be a map of variable names to values, e.g. {AWS_REGION: eu-west-1}")
        }
        let passed: [String]
        do {
            passed = try c.decodeIfPresent([String].self, forKey: .passEnv) ?? []
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .passEnv, in: c,
                debugDescription: "pass_env must be a list of variable names, e.g. [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]")
        }
        let runAs: String?
        do {
            runAs = try c.decodeIfPresent(String.self, forKey: .runAs)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .runAs, in: c, debugDescription: "run_as must be a user name")
        }
        do {
            spec = try ExternalPluginSpec(name: try required(.name), command: try required(.command), sha256: try required(.sha256),
                                          settings: settings, callTimeout: timeout, environment: environment,
                                          passEnvironment: passed, runAs: runAs)
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
