import Foundation
import JoinCore

/// One entry of the audit log: a join attempt (or another security-relevant action), whether
/// it succeeded, and what the Auth server verified.
///
/// Security rule 7 asks for every join attempt, success or failure, with its method, masked
/// token, role, remote address, verified attributes and the reason for a rejection; this type
/// is exactly that record. It is a plain value so that the code which decides a join builds it
/// and a ``Backend`` stores it without knowing what it means.
///
/// The JSON form uses Teleport's snake_case keys (`token_name`, `host_id`, `node_name`,
/// `remote_address`) and writes `time` as RFC 3339 with milliseconds, so it reads the same
/// whatever the encoder's date strategy; `time` is therefore kept to the millisecond.
public struct AuditEvent: Codable, Sendable, Equatable {
    /// When the attempt was decided.
    public var time: Date
    /// The event type, e.g. `instance.join`, `bot.join`.
    public var type: String
    /// Teleport's event code, e.g. `TJ001I` for a successful instance join.
    public var code: String
    /// Whether the attempt was admitted.
    public var success: Bool
    /// The join method's name, e.g. `token`, `ec2`, `iam`.
    public var method: String
    /// The token's name, already masked by the caller: it may be the secret itself.
    public var tokenName: String
    /// The system role asked for, e.g. `Node`, `Bot`.
    public var role: String
    /// The host ID given to (or claimed by) the joining process; empty when none.
    public var hostID: String
    /// The node name the joining process reported; empty when none.
    public var nodeName: String
    /// The source address of the connection.
    public var remoteAddress: String
    /// Why the attempt was rejected; `nil` for a success.
    public var reason: String?
    /// The facts the method verified (account, region, ARN, …), for matching rules later.
    public var attributes: [String: String]

    public init(
        time: Date,
        type: String,
        code: String,
        success: Bool,
        method: String,
        tokenName: String,
        role: String,
        hostID: String,
        nodeName: String,
        remoteAddress: String,
        reason: String? = nil,
        attributes: [String: String] = [:]
    ) {
        self.time = time
        self.type = type
        self.code = code
        self.success = success
        self.method = method
        self.tokenName = tokenName
        self.role = role
        self.hostID = hostID
        self.nodeName = nodeName
        self.remoteAddress = remoteAddress
        self.reason = reason
        self.attributes = attributes
    }

    private enum CodingKeys: String, CodingKey {
        case time
        case type
        case code
        case success
        case method
        case tokenName = "token_name"
        case role
        case hostID = "host_id"
        case nodeName = "node_name"
        case remoteAddress = "remote_address"
        case reason
        case attributes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let timeText = try container.decode(String.self, forKey: .time)
        guard let time = RFC3339.parse(timeText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .time, in: container,
                debugDescription: "audit event time \"\(timeText)\" is not an RFC 3339 timestamp")
        }
        self.time = time
        type = try container.decode(String.self, forKey: .type)
        code = try container.decode(String.self, forKey: .code)
        success = try container.decode(Bool.self, forKey: .success)
        method = try container.decode(String.self, forKey: .method)
        tokenName = try container.decode(String.self, forKey: .tokenName)
        role = try container.decode(String.self, forKey: .role)
        hostID = try container.decode(String.self, forKey: .hostID)
        nodeName = try container.decode(String.self, forKey: .nodeName)
        remoteAddress = try container.decode(String.self, forKey: .remoteAddress)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        attributes = try container.decodeIfPresent([String: String].self, forKey: .attributes) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.timeFormat.format(time), forKey: .time)
        try container.encode(type, forKey: .type)
        try container.encode(code, forKey: .code)
        try container.encode(success, forKey: .success)
        try container.encode(method, forKey: .method)
        try container.encode(tokenName, forKey: .tokenName)
        try container.encode(role, forKey: .role)
        try container.encode(hostID, forKey: .hostID)
        try container.encode(nodeName, forKey: .nodeName)
        try container.encode(remoteAddress, forKey: .remoteAddress)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encode(attributes, forKey: .attributes)
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
