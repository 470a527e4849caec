import CLIKit
import JoinCore

/// `ssh_service`: the SSH service an agent runs once it has joined (as role `Node`).
public struct SSHServiceConfig: Sendable, Equatable, Decodable {
    /// True when the file has an `ssh_service` section at all.
    public var isConfigured: Bool
    /// `enabled`; a written section without the key is enabled, as in Teleport.
    public var enabled: Bool
    /// Static labels heartbeated with the node (`tctl nodes ls` shows them).
    public var labels: [String: String]
    public var listenAddr: String
    public var publicAddr: [String]

    public static let defaultListenAddr = "0.0.0.0:3022"

    public init(isConfigured: Bool = false, enabled: Bool = true, labels: [String: String] = [:],
                listenAddr: String = SSHServiceConfig.defaultListenAddr, publicAddr: [String] = []) {
        self.isConfigured = isConfigured
        self.enabled = enabled
        self.labels = labels
        self.listenAddr = listenAddr
        self.publicAddr = publicAddr
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, labels, listenAddr = "listen_addr", publicAddr = "public_addr"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        isConfigured = true
        enabled = try c.decodeIfPresent(LenientBool.self, forKey: .enabled)?.value ?? true
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        listenAddr = try c.decodeIfPresent(String.self, forKey: .listenAddr).nonEmpty ?? SSHServiceConfig.defaultListenAddr
        publicAddr = try c.decodeIfPresent(StringOrList.self, forKey: .publicAddr)?.values ?? []
    }
}
