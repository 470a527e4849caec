import Foundation
import JoinCore

/// What Joinery hands a plugin program when it starts it: the socket to serve on
/// (`--socket PATH`) and, in the environment, the plugin's settings, the joining side's
/// `join_params` and a data directory, each as JSON or a path.
public struct PluginEnvironment: Sendable {
    public static let settingsVariable = "JOINERY_PLUGIN_SETTINGS"
    public static let joinParamsVariable = "JOINERY_PLUGIN_JOIN_PARAMS"
    public static let dataDirectoryVariable = "JOINERY_PLUGIN_DATA_DIR"

    public var socketPath: String
    public var settings: JSONValue
    public var joinParams: JSONValue
    public var dataDirectory: URL?

    public init(arguments: [String], environment: [String: String]) throws {
        guard let index = arguments.firstIndex(of: "--socket"), index + 1 < arguments.count else {
            throw JoinError.badParameter("a join plugin is started by Joinery with --socket PATH; it is not meant to be run by hand")
        }
        socketPath = arguments[index + 1]
        settings = try Self.json(environment[Self.settingsVariable], name: Self.settingsVariable)
        joinParams = try Self.json(environment[Self.joinParamsVariable], name: Self.joinParamsVariable)
        dataDirectory = environment[Self.dataDirectoryVariable].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
    }

    private static func json(_ text: String?, name: String) throws -> JSONValue {
        guard let text, !text.isEmpty else { return .object([:]) }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw JoinError.badParameter("\(name) is not valid JSON")
        }
    }
}
