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
    /// The method-specific sections, by key (`iam`), for
    /// ``JoinCore/ProverContext/joinParams``; checked against the sections plugins declared.
    public var pluginParameters: [String: JSONValue]

    public static let defaultMethod = "token"

    public init(tokenName: String? = nil, method: String = JoinParamsConfig.defaultMethod,
                pluginParameters: [String: JSONValue] = [:]) {
        self.tokenName = tokenName
        self.method = method
        self.pluginParameters = pluginParameters
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case tokenName = "token_name", method
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokenName = try c.decodeIfPresent(String.self, forKey: .tokenName).flatMap { $0.isEmpty ? nil : $0 }
        let written = try c.decodeIfPresent(String.self, forKey: .method) ?? ""
        method = written.isEmpty ? JoinParamsConfig.defaultMethod : written
        pluginParameters = try decoder.methodSections(excluding: Set(CodingKeys.allCases.map(\.rawValue)))
    }
}
