import JoinCore

/// `teleport.join_params`: which token to present and through which join method.
///
/// `token_name` and `method` are ours; every other key (e.g. `azure: {client_id: …}`) belongs
/// to a join method's prover and is kept as written in ``pluginParameters`` for it to decode.
public struct JoinParamsConfig: Sendable, Equatable, Decodable {
    /// The token name, or an absolute path to a file holding it (see ``SecretValue``).
    public var tokenName: String?
    /// The join method name; `token` when not written.
    public var method: String
    /// The method-specific keys, by name.
    public var pluginParameters: [String: JSONValue]
    /// The whole section as written, for ``JoinCore/ProverContext/joinParams``.
    public var raw: JSONValue

    public static let defaultMethod = "token"

    public init(tokenName: String? = nil, method: String = JoinParamsConfig.defaultMethod,
                pluginParameters: [String: JSONValue] = [:]) {
        self.tokenName = tokenName
        self.method = method
        self.pluginParameters = pluginParameters
        var object = pluginParameters
        if let tokenName { object["token_name"] = .string(tokenName) }
        object["method"] = .string(method)
        self.raw = .object(object)
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case tokenName = "token_name", method
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokenName = try c.decodeIfPresent(String.self, forKey: .tokenName).flatMap { $0.isEmpty ? nil : $0 }
        let written = try c.decodeIfPresent(String.self, forKey: .method) ?? ""
        method = written.isEmpty ? JoinParamsConfig.defaultMethod : written
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        let all = try decoder.container(keyedBy: AnyCodingKey.self)
        var extra: [String: JSONValue] = [:]
        for key in all.allKeys where !known.contains(key.stringValue) {
            extra[key.stringValue] = try all.decode(JSONValue.self, forKey: key)
        }
        pluginParameters = extra
        raw = try JSONValue(from: decoder)
    }
}
